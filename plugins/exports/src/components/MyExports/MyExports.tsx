import { useState } from 'react';
import {
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { Box, Button, LinearProgress, Typography } from '@material-ui/core';
import { ExportJob, exportsApiRef } from '../../api/ExportsApi';
import { DeliveryLog } from '../DeliveryLog';
import { formatBytes, formatEta } from '../format';

/** Starts the browser download of a (signed, short-lived) URL in this tab. */
function startDownload(url: string) {
  const link = document.createElement('a');
  link.href = url;
  link.download = '';
  document.body.appendChild(link);
  link.click();
  link.remove();
}

export interface MyExportsProps {
  jobs: ExportJob[];
  /** Reloads the list after an action. */
  onChanged: () => Promise<void>;
  polling: boolean;
}

/** "My exports": status, live progress with ETA, size, and the actions each status allows. */
export function MyExports(props: MyExportsProps) {
  const { jobs, onChanged, polling } = props;
  const api = useApi(exportsApiRef);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      await onChanged();
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
        <Box minWidth={180}>
          <LinearProgress
            variant="determinate"
            value={Math.round(j.progress * 100)}
            aria-label={`progress of export ${j.id}`}
          />
          <Typography variant="caption">
            {j.rowsWritten.toLocaleString()} rows
            {j.rowsEstimated ? ` of ~${j.rowsEstimated.toLocaleString()}` : ''}
            {' · '}
            {formatBytes(j.bytesWritten)}
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
              aria-label={`download export ${j.id}`}
              onClick={() =>
                act(async () => startDownload(await api.downloadUrl(j.id)))
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
          {j.delivery.type === 'webhook' && <DeliveryLog exportId={j.id} />}
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
    <>
      {error && (
        <Box mb={2}>
          <ResponseErrorPanel error={error} />
        </Box>
      )}
      <Table
        title="My exports"
        subtitle={polling ? 'Updating every 2 s while exports run' : undefined}
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={columns}
        data={jobs}
      />
    </>
  );
}
