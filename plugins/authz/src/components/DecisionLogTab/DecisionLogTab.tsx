import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import {
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { Box, Button, Grid, MenuItem, TextField } from '@material-ui/core';
import {
  authzApiRef,
  DecisionFilter,
  LoggedDecision,
} from '../../api/AuthzApi';

const columns: TableColumn<LoggedDecision>[] = [
  { title: 'Decided', field: 'decidedAt' },
  { title: 'Subject', field: 'subject' },
  { title: 'Action', field: 'action' },
  { title: 'Resource', field: 'resource' },
  { title: 'Team', render: d => d.team ?? '' },
  { title: 'Mode', field: 'mode' },
  { title: 'Answer', render: d => (d.allowed ? 'allowed' : 'denied') },
  { title: 'Reason', field: 'reason' },
  {
    title: 'Policy',
    render: d =>
      d.policyAllowed === undefined
        ? '—'
        : `${d.policyAllowed ? 'allow' : 'deny'} (${d.policyReason})`,
  },
  { title: 'Revision', render: d => d.policyRevision.slice(0, 12) },
];

/** Browse the decision log by subject, action, outcome, team and time; export NDJSON. */
export const DecisionLogTab = () => {
  const api = useApi(authzApiRef);
  const [draft, setDraft] = useState<DecisionFilter>({});
  const [filter, setFilter] = useState<DecisionFilter>({});
  const [pages, setPages] = useState<string[]>([]);
  const before = pages[pages.length - 1];
  const page = useAsync(
    () => api.decisions({ ...filter, before }, 50),
    [api, filter, before],
  );
  const text = (key: keyof DecisionFilter, label: string, type = 'text') => (
    <Grid item xs={12} sm={4} md={2}>
      <TextField
        fullWidth
        size="small"
        type={type}
        label={label}
        InputLabelProps={type === 'text' ? undefined : { shrink: true }}
        value={draft[key] ?? ''}
        inputProps={{ 'aria-label': label }}
        onChange={e =>
          setDraft({ ...draft, [key]: e.target.value || undefined })
        }
      />
    </Grid>
  );
  const exportNdjson = async () => {
    const body = await api.exportDecisions(filter);
    const url = URL.createObjectURL(
      new Blob([body], { type: 'application/x-ndjson' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = 'decisions.ndjson';
    a.click();
    URL.revokeObjectURL(url);
  };
  const toIso = (v?: string) => (v ? new Date(v).toISOString() : undefined);
  return (
    <Box mt={2}>
      <Grid container spacing={1} alignItems="center">
        {text('subject', 'Subject (type:id)')}
        {text('action', 'Action')}
        {text('team', 'Team')}
        <Grid item xs={12} sm={4} md={2}>
          <TextField
            select
            fullWidth
            size="small"
            label="Outcome"
            value={draft.outcome ?? ''}
            onChange={e =>
              setDraft({
                ...draft,
                outcome: (e.target.value || undefined) as
                  | DecisionFilter['outcome']
                  | undefined,
              })
            }
          >
            <MenuItem value="">any</MenuItem>
            <MenuItem value="allowed">allowed</MenuItem>
            <MenuItem value="denied">denied</MenuItem>
          </TextField>
        </Grid>
        {text('from', 'From', 'datetime-local')}
        {text('to', 'To', 'datetime-local')}
        <Grid item>
          <Button
            variant="contained"
            color="primary"
            onClick={() => {
              setPages([]);
              setFilter({
                ...draft,
                from: toIso(draft.from),
                to: toIso(draft.to),
              });
            }}
          >
            Search
          </Button>
        </Grid>
        <Grid item>
          <Button variant="outlined" onClick={exportNdjson}>
            Export NDJSON
          </Button>
        </Grid>
      </Grid>
      {page.loading && <Progress />}
      {page.error && <ResponseErrorPanel error={page.error} />}
      {page.value && (
        <Box mt={2} data-testid="decision-log">
          <Table
            title="Decisions, newest first"
            options={{ paging: false, search: false, padding: 'dense' }}
            columns={columns}
            data={page.value.decisions}
          />
          <Box mt={1}>
            <Button
              disabled={pages.length === 0}
              onClick={() => setPages(pages.slice(0, -1))}
            >
              Newer
            </Button>
            <Button
              disabled={!page.value.nextBefore}
              onClick={() => setPages([...pages, page.value!.nextBefore!])}
            >
              Older
            </Button>
          </Box>
        </Box>
      )}
    </Box>
  );
};
