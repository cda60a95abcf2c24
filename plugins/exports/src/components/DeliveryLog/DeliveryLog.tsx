import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  Progress,
  ResponseErrorPanel,
  Table,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { Button, Dialog, DialogContent, DialogTitle } from '@material-ui/core';
import { exportsApiRef, WebhookDelivery } from '../../api/ExportsApi';

function Attempts(props: { exportId: string }) {
  const api = useApi(exportsApiRef);
  const log = useAsync(() => api.deliveries(props.exportId), [api]);
  if (log.loading) return <Progress />;
  if (log.error) return <ResponseErrorPanel error={log.error} />;
  return (
    <Table<WebhookDelivery>
      options={{
        paging: false,
        search: false,
        toolbar: false,
        padding: 'dense',
      }}
      columns={[
        { title: 'Attempt', field: 'attempt' },
        { title: 'At', render: d => new Date(d.at).toLocaleString() },
        { title: 'HTTP status', render: d => d.statusCode ?? '—' },
        { title: 'Delivered', render: d => (d.delivered ? 'yes' : 'no') },
        { title: 'Error', render: d => d.error ?? '' },
      ]}
      data={log.value ?? []}
      emptyContent={<>No delivery attempt yet.</>}
    />
  );
}

/** A button that opens the webhook delivery log of one export. */
export function DeliveryLog(props: { exportId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)}>
        Deliveries
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        maxWidth="md"
        fullWidth
      >
        <DialogTitle>Webhook deliveries</DialogTitle>
        <DialogContent>
          {open && <Attempts exportId={props.exportId} />}
        </DialogContent>
      </Dialog>
    </>
  );
}
