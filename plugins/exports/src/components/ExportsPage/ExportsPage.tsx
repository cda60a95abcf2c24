import { useCallback, useEffect, useState } from 'react';
import {
  Content,
  ContentHeader,
  Header,
  Page,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  Box,
  Button,
  Grid,
  LinearProgress,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import { AccountPicker } from '@internal/plugin-filters';
import { ExportJob, exportsApiRef } from '../../api/ExportsApi';

const POLL_MS = 2000;

function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

/** The export console: a new export, and "My exports" with live progress. */
export function ExportsPage() {
  const api = useApi(exportsApiRef);
  const [accountId, setAccountId] = useState('');
  const [format, setFormat] = useState<'csv' | 'xlsx' | 'pdf'>('csv');
  const [jobs, setJobs] = useState<ExportJob[]>([]);
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    try {
      setJobs((await api.list()).items);
    } catch (e) {
      setError(e as Error);
    }
  }, [api]);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      await refresh();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const columns: TableColumn<ExportJob>[] = [
    { title: 'Created', render: j => new Date(j.createdAt).toLocaleString() },
    { title: 'Dataset', field: 'dataset' },
    { title: 'Format', field: 'format' },
    { title: 'Region', field: 'region' },
    {
      title: 'Status',
      render: j => (
        <span data-testid={`status-${j.id}`}>
          {j.status}
          {j.error ? ` (${j.error.type}: ${j.error.message})` : ''}
        </span>
      ),
    },
    {
      title: 'Progress',
      render: j => (
        <Box minWidth={160}>
          <LinearProgress
            variant="determinate"
            value={Math.round(j.progress * 100)}
            aria-label={`progress of export ${j.id}`}
          />
          <Typography variant="caption">
            {j.rowsWritten.toLocaleString()} rows
            {j.rowsEstimated ? ` of ~${j.rowsEstimated.toLocaleString()}` : ''}
            {j.status === 'running' ? ` · ETA ${formatEta(j.etaSeconds)}` : ''}
          </Typography>
        </Box>
      ),
    },
    {
      title: 'Actions',
      render: j => (
        <>
          {j.status === 'succeeded' && (
            <Button
              size="small"
              color="primary"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  window.open(await api.downloadUrl(j.id), '_blank');
                })
              }
            >
              Download
            </Button>
          )}
          {(j.status === 'failed' || j.status === 'cancelled') && (
            <Button
              size="small"
              disabled={busy}
              onClick={() => act(() => api.retry(j.id))}
            >
              Retry
            </Button>
          )}
          {(j.status === 'queued' || j.status === 'running') && (
            <Button
              size="small"
              disabled={busy}
              onClick={() => act(() => api.cancel(j.id))}
            >
              Cancel
            </Button>
          )}
        </>
      ),
    },
  ];

  return (
    <Page themeId="tool">
      <Header
        title="Exports"
        subtitle="Export a dataset of one customer account as a file"
      />
      <Content>
        <ContentHeader title="New export" />
        <Grid container spacing={2} alignItems="center">
          <Grid item xs={12} md={5}>
            <AccountPicker
              value={accountId}
              onChange={id => setAccountId(id)}
            />
          </Grid>
          <Grid item xs={6} md={2}>
            <TextField label="Dataset" value="events" disabled fullWidth />
          </Grid>
          <Grid item xs={6} md={2}>
            <TextField
              select
              label="Format"
              value={format}
              onChange={e => setFormat(e.target.value as 'csv')}
              fullWidth
            >
              <MenuItem value="csv">CSV</MenuItem>
              <MenuItem value="xlsx" disabled>
                XLSX (not available yet)
              </MenuItem>
              <MenuItem value="pdf" disabled>
                PDF (not available yet)
              </MenuItem>
            </TextField>
          </Grid>
          <Grid item xs={12} md={3}>
            <Button
              variant="contained"
              color="primary"
              disabled={!accountId || busy}
              onClick={() =>
                act(() =>
                  api.create({
                    dataset: 'events',
                    accountId,
                    format,
                    delivery: { type: 'download' },
                  }),
                )
              }
            >
              Create export
            </Button>
          </Grid>
        </Grid>
        {error && (
          <Box mt={2}>
            <ResponseErrorPanel error={error} />
          </Box>
        )}
        <Box mt={3}>
          <Table
            title="My exports"
            options={{ paging: false, search: false }}
            columns={columns}
            data={jobs}
          />
        </Box>
      </Content>
    </Page>
  );
}
