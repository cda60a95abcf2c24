import { ReactNode, useEffect, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { Box, Button, Chip, Grid, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  Content,
  ContentHeader,
  Header,
  InfoCard,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  DeadLetter,
  platformOperatePermission,
  QaCheckResult,
  ReplayReport,
  ServiceTelemetrySummary,
} from '@internal/plugin-platform-common';
import {
  AuditVerifyRequested,
  AuditVerifyResponse,
  AuditVerifyRun,
  Measured,
  platformApiRef,
  RumSummaryRow,
} from '../../api/PlatformApi';
import { EventVolumeChart } from '../EventVolumeChart';

const DAY = 86_400_000;
const VERIFY_POLL_MS = 5_000;

/** "Source: … · as of …" under every figure. */
export function SourceLine(props: { measured?: Measured }) {
  if (!props.measured) return null;
  return (
    <Typography variant="caption" color="textSecondary" component="p">
      Source: {props.measured.source} · as of{' '}
      {new Date(props.measured.generatedAt).toLocaleString()}
    </Typography>
  );
}

function Section<T>(props: {
  state: { loading: boolean; error?: Error; value?: T };
  children: (value: T) => ReactNode;
}) {
  if (props.state.loading && !props.state.value) return <Progress />;
  if (props.state.error)
    return <ResponseErrorPanel error={props.state.error} />;
  return <>{props.state.value ? props.children(props.state.value) : null}</>;
}

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;
const ratio = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}×`);
const STATUS_COLOR = {
  fail: 'secondary',
  pass: 'primary',
  insufficient_data: 'default',
} as const;
const ms = (v: number | undefined) =>
  v === undefined ? '—' : `${Math.round(v)} ms`;

function EventVolumeCard() {
  const api = useApi(platformApiRef);
  const state = useAsyncRetry(() => {
    const to = new Date();
    return api.getEventVolume({
      from: new Date(to.getTime() - 7 * DAY),
      to,
      bucket: 'hour',
    });
  }, [api]);
  return (
    <InfoCard title="Event volume per type (last 7 days, hourly)">
      <Section state={state}>
        {v => (
          <>
            {v.points.length === 0 ? (
              <Typography>No events in this window.</Typography>
            ) : (
              <EventVolumeChart points={v.points} />
            )}
            <SourceLine measured={v} />
          </>
        )}
      </Section>
    </InfoCard>
  );
}

function DeadLetterCard() {
  const api = useApi(platformApiRef);
  const state = useAsyncRetry(() => api.getDeadLetters(), [api]);
  const [report, setReport] = useState<ReplayReport>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const replay = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      setReport(await api.replayDeadLetters({ dryRun }));
      if (!dryRun) state.retry();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const columns: TableColumn<DeadLetter>[] = [
    {
      title: 'Received',
      field: 'received_at',
      render: r => new Date(r.received_at).toLocaleString(),
    },
    { title: 'Event', field: 'name' },
    { title: 'Producer', field: 'producer' },
    {
      title: 'Violations',
      render: r => (
        <>
          {r.violations.map((v, i) => (
            <Typography key={i} variant="body2">
              <code>{v.instancePath || '/'}</code> {v.message}{' '}
              <Typography variant="caption" color="textSecondary">
                ({v.schemaPath})
              </Typography>
            </Typography>
          ))}
        </>
      ),
    },
    { title: 'Replays', field: 'replay_attempts' },
  ];
  return (
    <InfoCard title="Dead letters">
      <Section state={state}>
        {v => (
          <>
            <Box display="flex" alignItems="center" mb={1} style={{ gap: 8 }}>
              <Chip
                label={`${v.counts.open} open`}
                color={v.counts.open ? 'secondary' : 'default'}
              />
              <Chip label={`${v.counts.replayed} replayed`} />
              <Button
                variant="outlined"
                disabled={busy}
                onClick={() => replay(true)}
              >
                Replay: dry run
              </Button>
              <Button
                variant="contained"
                color="primary"
                disabled={busy || !report?.dryRun || report.replayed === 0}
                onClick={() => replay(false)}
              >
                Replay now
              </Button>
            </Box>
            {report && (
              <Alert severity={report.dryRun ? 'info' : 'success'}>
                {report.dryRun ? 'Dry run: ' : 'Replayed: '}
                {report.examined} examined, {report.replayed}{' '}
                {report.dryRun ? 'would be replayed' : 'replayed'},{' '}
                {report.stillInvalid} still invalid, {report.alreadyReplayed}{' '}
                already replayed, {report.alreadyInLog} already in the log.
              </Alert>
            )}
            {error && <ResponseErrorPanel error={error} />}
            <Table<DeadLetter>
              options={{
                paging: v.deadLetters.length > 10,
                search: false,
                padding: 'dense',
                toolbar: false,
              }}
              columns={columns}
              data={v.deadLetters}
              emptyContent={
                <Typography style={{ padding: 16 }}>
                  No open dead letters.
                </Typography>
              }
            />
            <SourceLine measured={v} />
          </>
        )}
      </Section>
    </InfoCard>
  );
}

function QaCard() {
  const api = useApi(platformApiRef);
  const state = useAsyncRetry(() => api.getQaResults(), [api]);
  const [running, setRunning] = useState(false);
  const columns: TableColumn<QaCheckResult>[] = [
    {
      title: 'Status',
      field: 'status',
      render: r => (
        <Chip size="small" label={r.status} color={STATUS_COLOR[r.status]} />
      ),
    },
    { title: 'Check', field: 'check' },
    {
      title: 'Event',
      render: r => (r.field ? `${r.event_type} · ${r.field}` : r.event_type),
    },
    {
      title: 'Value',
      render: r =>
        r.check === 'volume_anomaly' ? ratio(r.value) : pct(r.value),
    },
    { title: 'Rule', field: 'threshold' },
    { title: 'Detail', field: 'detail' },
  ];
  return (
    <InfoCard title="Data QA checks (last 24 h)">
      <Section state={state}>
        {v => {
          const sorted = [...v.results].sort(
            (a, b) =>
              ['fail', 'pass', 'insufficient_data'].indexOf(a.status) -
              ['fail', 'pass', 'insufficient_data'].indexOf(b.status),
          );
          return (
            <>
              <Button
                variant="outlined"
                disabled={running}
                onClick={async () => {
                  setRunning(true);
                  try {
                    await api.runQaChecks();
                  } finally {
                    setRunning(false);
                    state.retry();
                  }
                }}
              >
                Run checks now
              </Button>
              {v.results.length === 0 ? (
                <Typography>No QA run yet (they run hourly).</Typography>
              ) : (
                <Table<QaCheckResult>
                  options={{
                    paging: true,
                    pageSize: 10,
                    search: false,
                    padding: 'dense',
                    toolbar: false,
                  }}
                  columns={columns}
                  data={sorted}
                />
              )}
              <SourceLine measured={v} />
              {v.results[0] && (
                <Typography variant="caption" color="textSecondary">
                  Run at {new Date(v.results[0].checked_at).toLocaleString()}
                </Typography>
              )}
            </>
          );
        }}
      </Section>
    </InfoCard>
  );
}

const when = (iso: string | undefined) =>
  iso ? new Date(iso).toLocaleString() : '—';

function pendingText(run: AuditVerifyRun): string {
  const by = run.requestedBy ? ` by ${run.requestedBy}` : '';
  return run.status === 'running'
    ? `A ${run.trigger} verify run is running (started ${when(run.startedAt)}).`
    : `A ${run.trigger} verify run is pending (requested ${when(
        run.requestedAt,
      )}${by}).`;
}

function AuditVerifyResult(props: { value: AuditVerifyResponse }) {
  const v = props.value;
  if (v.status === 'none' || !v.run)
    return (
      <Alert severity="info">
        No verify run has finished yet (the verify job runs on its schedule).
      </Alert>
    );
  const from = v.fromSeq ? ` from the checkpoint at seq ${v.fromSeq}` : '';
  const finished = `${v.mode ?? 'full'} run${from}, finished ${when(
    v.run.finishedAt,
  )}`;
  if (v.status === 'error')
    return (
      <Alert severity="warning">
        The last verify run failed ({finished}): {v.run.error ?? 'no reason'}.
        The chain was not checked.
      </Alert>
    );
  if (v.valid)
    return (
      <Alert severity="success">
        Chain intact: {v.checked} records verified
        {v.firstSeq ? ` (seq ${v.firstSeq}–${v.lastSeq})` : ''}; {finished}.
      </Alert>
    );
  return (
    <Alert severity="error">
      {v.firstBroken
        ? `Chain broken at seq ${v.firstBroken.seq}: ${v.firstBroken.reason}`
        : 'Chain broken'}{' '}
      ({finished}).
    </Alert>
  );
}

function AuditCard() {
  const api = useApi(platformApiRef);
  const state = useAsyncRetry(() => api.verifyAudit(), [api]);
  const { allowed: mayRun } = usePermission({
    permission: platformOperatePermission,
  });
  const [requesting, setRequesting] = useState(false);
  const [requested, setRequested] = useState<AuditVerifyRequested>();
  const [error, setError] = useState<Error>();
  const pending = state.value?.pending ?? [];
  const waiting = pending.length > 0;
  const { retry } = state;
  // While a run is pending, re-read the status so its result shows when it finishes.
  useEffect(() => {
    if (!waiting) return undefined;
    const timer = setInterval(retry, VERIFY_POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, retry]);
  const verifyNow = async () => {
    setRequesting(true);
    setError(undefined);
    try {
      setRequested(await api.requestAuditVerify());
      retry();
    } catch (e) {
      setError(e as Error);
    } finally {
      setRequesting(false);
    }
  };
  return (
    <InfoCard title="Audit chain">
      <Section state={state}>
        {v => (
          <>
            <AuditVerifyResult value={v} />
            {v.anchor && (
              <Typography variant="body2">
                Re-anchored by retention at seq {v.anchor.firstSeq} (
                {v.anchor.purgedCount} records purged{' '}
                {new Date(v.anchor.createdAt).toLocaleDateString()}).
              </Typography>
            )}
            {(v.pending ?? []).map(run => (
              <Typography key={run.id} variant="body2">
                {pendingText(run)}
              </Typography>
            ))}
            <Box display="flex" alignItems="center" style={{ gap: 8 }}>
              <Button size="small" onClick={retry}>
                Refresh
              </Button>
              {mayRun && (
                <Button
                  size="small"
                  variant="outlined"
                  disabled={requesting}
                  onClick={verifyNow}
                >
                  Verify now
                </Button>
              )}
            </Box>
            {requested && (
              <Alert severity="info">
                Verify run {requested.id} requested: it re-hashes the whole
                chain in the background; this card shows its result when it
                finishes.
              </Alert>
            )}
            {error && <ResponseErrorPanel error={error} />}
            <SourceLine measured={v} />
          </>
        )}
      </Section>
    </InfoCard>
  );
}

function TelemetryCard() {
  const api = useApi(platformApiRef);
  const state = useAsyncRetry(() => {
    const to = new Date();
    return api.getTelemetrySummary({ from: new Date(to.getTime() - DAY), to });
  }, [api]);
  const serviceColumns: TableColumn<ServiceTelemetrySummary>[] = [
    { title: 'Service', field: 'service' },
    { title: 'Requests', field: 'requests', type: 'numeric' },
    { title: 'Error rate (5xx)', render: r => pct(r.error_rate) },
    { title: 'p95', render: r => ms(r.p95_ms) },
    { title: 'p99', render: r => ms(r.p99_ms) },
  ];
  const rumColumns: TableColumn<RumSummaryRow>[] = [
    { title: 'Page', field: 'route' },
    { title: 'Kind', field: 'kind' },
    { title: 'Samples', field: 'samples', type: 'numeric' },
    { title: 'p50', render: r => ms(r.p50_ms) },
    { title: 'p95', render: r => ms(r.p95_ms) },
  ];
  return (
    <InfoCard title="Telemetry (last 24 h)">
      <Section state={state}>
        {v => (
          <>
            <Typography variant="subtitle2">Requests per service</Typography>
            <Table<ServiceTelemetrySummary>
              options={{
                paging: false,
                search: false,
                padding: 'dense',
                toolbar: false,
              }}
              columns={serviceColumns}
              data={v.services}
              emptyContent={
                <Typography style={{ padding: 16 }}>
                  No rollups yet (flushed each minute).
                </Typography>
              }
            />
            <Typography variant="caption" color="textSecondary" component="p">
              p95/p99 are estimated from the fixed latency histogram buckets.
            </Typography>
            <Box mt={2}>
              <Typography variant="subtitle2">
                Page loads (real users)
              </Typography>
              <Table<RumSummaryRow>
                options={{
                  paging: false,
                  search: false,
                  padding: 'dense',
                  toolbar: false,
                }}
                columns={rumColumns}
                data={v.rum}
                emptyContent={
                  <Typography style={{ padding: 16 }}>
                    No page timings yet.
                  </Typography>
                }
              />
            </Box>
            <SourceLine measured={v} />
          </>
        )}
      </Section>
    </InfoCard>
  );
}

export function PlatformHealthPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Platform health"
        subtitle="Event contract, audit store and request telemetry of the platform services"
      />
      <Content>
        <ContentHeader title="Measured from the platform backend's own tables" />
        <Grid container spacing={3}>
          <Grid item xs={12} md={8}>
            <EventVolumeCard />
          </Grid>
          <Grid item xs={12} md={4}>
            <AuditCard />
          </Grid>
          <Grid item xs={12}>
            <TelemetryCard />
          </Grid>
          <Grid item xs={12}>
            <DeadLetterCard />
          </Grid>
          <Grid item xs={12}>
            <QaCard />
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}
