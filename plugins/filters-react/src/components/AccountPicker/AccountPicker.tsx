import { useEffect, useState } from 'react';
import { Box, Chip, TextField, Typography } from '@material-ui/core';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { useApi } from '@backstage/core-plugin-api';
import { AccountSummary } from '@internal/plugin-filters-common';
import { filtersApiRef } from '../../api/FiltersApi';

const UUID_RE =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a picker value is a whole account id (the server still checks access). */
export const isAccountId = (value: string) => UUID_RE.test(value);

export interface AccountPickerProps {
  /** The chosen account id ('' when none). */
  value: string;
  onChange: (accountId: string, account?: AccountSummary) => void;
  label?: string;
  /** Debounce of the search while typing (ms). */
  debounceMs?: number;
}

const PLAN_LABELS: Record<AccountSummary['plan'], string> = {
  enterprise: 'Enterprise',
  mid_market: 'Mid-market',
};

/**
 * Pick an account by name (searched on the server, only accounts you may act for), showing
 * plan and region; a pasted account UUID is taken as is (the server still checks it).
 */
export function AccountPicker(props: AccountPickerProps) {
  const { value, onChange, label = 'Account', debounceMs = 250 } = props;
  const api = useApi(filtersApiRef);
  const [input, setInput] = useState('');
  const [options, setOptions] = useState<AccountSummary[]>([]);
  const [selected, setSelected] = useState<AccountSummary | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error | undefined>();

  useEffect(() => {
    if (selected && input === selected.name) return undefined;
    let cancelled = false;
    const timer = setTimeout(() => {
      setLoading(true);
      api
        .searchAccounts({ q: input.trim().slice(0, 100), limit: 20 })
        .then(page => {
          if (cancelled) return;
          setOptions(page.accounts);
          setError(undefined);
        })
        .catch(e => !cancelled && setError(e))
        .finally(() => !cancelled && setLoading(false));
    }, debounceMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, input, selected, debounceMs]);

  const pastedInvalid =
    input.trim() !== '' &&
    !selected &&
    /^[0-9a-f-]{30,}$/i.test(input.trim()) &&
    !UUID_RE.test(input.trim());

  let helperText = 'Search by name, or paste an account id (checked by policy)';
  if (error) helperText = `Account search failed: ${error.message}`;
  else if (pastedInvalid) helperText = 'accountId: must be an account UUID';
  else if (selected)
    helperText = `${
      PLAN_LABELS[selected.plan]
    }, region ${selected.region.toUpperCase()} · ${selected.id}`;

  return (
    <Autocomplete<AccountSummary, false, false, true>
      freeSolo
      style={{ minWidth: 360 }}
      options={options}
      loading={loading}
      filterOptions={x => x}
      value={selected ?? (value && !selected ? value : null)}
      inputValue={input}
      getOptionLabel={o => (typeof o === 'string' ? o : o.name)}
      getOptionSelected={(o, v) => o.id === v.id}
      onInputChange={(_e, text, reason) => {
        if (reason === 'reset' && selected) return;
        setInput(text);
        const trimmed = text.trim();
        if (UUID_RE.test(trimmed)) {
          setSelected(null);
          onChange(trimmed.toLowerCase());
        } else if (!selected || text !== selected.name) {
          setSelected(null);
          if (value) onChange('');
        }
      }}
      onChange={(_e, next) => {
        if (next && typeof next !== 'string') {
          setSelected(next);
          setInput(next.name);
          onChange(next.id, next);
        } else if (typeof next === 'string' && UUID_RE.test(next.trim())) {
          onChange(next.trim().toLowerCase());
        } else {
          setSelected(null);
          onChange('');
        }
      }}
      renderOption={o => (
        <Box display="flex" alignItems="center" style={{ gap: 8 }}>
          <Typography variant="body2">{o.name}</Typography>
          <Chip size="small" label={PLAN_LABELS[o.plan]} />
          <Chip
            size="small"
            variant="outlined"
            label={o.region.toUpperCase()}
          />
        </Box>
      )}
      renderInput={params => (
        <TextField
          {...params}
          label={label}
          variant="outlined"
          size="small"
          error={Boolean(error) || pastedInvalid}
          helperText={helperText}
          inputProps={{ ...params.inputProps, 'aria-label': label }}
        />
      )}
    />
  );
}
