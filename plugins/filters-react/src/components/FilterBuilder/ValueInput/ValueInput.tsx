import { MenuItem, TextField } from '@material-ui/core';
import {
  DEFAULT_FILTER_LIMITS,
  FilterRule,
  RelativeTime,
  ResolvedField,
  valueKindOf,
} from '@internal/plugin-filters-common';
import { useEditorStyles } from '../editorStyles';
import { parseScalar } from '../inputValues';
import { RelativeInput } from '../RelativeInput';
import { ScalarInput } from '../ScalarInput';

/** The value part of a rule, shaped by the operator: none, one, a pair, a list or a relative time. */
export function ValueInput(props: {
  field: ResolvedField;
  rule: FilterRule;
  onChange: (v: unknown) => void;
  errorAt: (suffix: string) => string | undefined;
}) {
  const classes = useEditorStyles();
  const { field, rule, onChange, errorAt } = props;
  const kind = valueKindOf(rule.operator);
  const error = errorAt('value');
  switch (kind) {
    case 'none':
      return null;
    case 'relative':
      return (
        <RelativeInput
          value={(rule.value as RelativeTime) ?? { amount: 7, unit: 'days' }}
          onChange={onChange}
          error={error ?? errorAt('value.amount')}
        />
      );
    case 'timeBound': {
      const relative =
        typeof rule.value === 'object' &&
        rule.value !== null &&
        !Array.isArray(rule.value);
      return (
        <>
          <TextField
            className={classes.input}
            size="small"
            variant="outlined"
            select
            label="Time"
            value={relative ? 'relative' : 'absolute'}
            onChange={e =>
              onChange(
                e.target.value === 'relative'
                  ? { amount: 7, unit: 'days' }
                  : new Date().toISOString(),
              )
            }
          >
            <MenuItem value="relative">relative</MenuItem>
            <MenuItem value="absolute">date and time</MenuItem>
          </TextField>
          {relative ? (
            <RelativeInput
              value={rule.value as RelativeTime}
              onChange={onChange}
              error={error ?? errorAt('value.amount')}
            />
          ) : (
            <ScalarInput
              field={field}
              value={rule.value}
              onChange={onChange}
              error={error}
            />
          )}
        </>
      );
    }
    case 'pair': {
      const [low, high] = Array.isArray(rule.value)
        ? rule.value
        : [undefined, undefined];
      return (
        <>
          <ScalarInput
            field={field}
            label="From"
            value={low}
            onChange={v => onChange([v, high])}
            error={error ?? errorAt('value[0]')}
          />
          <ScalarInput
            field={field}
            label="To"
            value={high}
            onChange={v => onChange([low, v])}
            error={errorAt('value[1]')}
          />
        </>
      );
    }
    case 'list': {
      const list = Array.isArray(rule.value) ? rule.value : [];
      const firstItemError = list
        .map((_, i) => errorAt(`value[${i}]`))
        .find(Boolean);
      return (
        <TextField
          className={classes.input}
          size="small"
          variant="outlined"
          label="Values (comma-separated)"
          value={list.join(', ')}
          error={Boolean(error ?? firstItemError)}
          helperText={
            error ??
            firstItemError ??
            `${list.length} of at most ${DEFAULT_FILTER_LIMITS.maxListValues}`
          }
          inputProps={{ 'aria-label': 'Values' }}
          onChange={e =>
            onChange(
              e.target.value
                .split(',')
                .map(s => s.trim())
                .filter(s => s !== '')
                .map(s => parseScalar(field, s)),
            )
          }
        />
      );
    }
    default:
      return (
        <ScalarInput
          field={field}
          value={rule.value}
          onChange={onChange}
          error={error}
        />
      );
  }
}
