import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import {
  Content,
  Header,
  InfoCard,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { AlertList, SloDetail, SloHistory, sloApiRef } from '../../api/SloApi';
import { objectiveLabel, pct, times, windowLabel } from '../format';
import { BudgetStatus } from '../SloStatus';
import { BurnDownChart } from './BurnDownChart';
import { BurnRateChart } from './BurnRateChart';

type AlertRow = SloDetail['alerts'][number];
type MonthRow = SloHistory['months'][number];
type AlertChange = AlertList['history'][number];

const changeColumns: TableColumn<AlertChange>[] = [
  { title: 'At', field: 'at' },
  { title: 'Alert', field: 'alert' },
  { title: 'Change', render: h => `${h.fromState} → ${h.toState}` },
  { title: 'Long window', render: h => times(h.longBurnRate) },
  { title: 'Short window', render: h => times(h.shortBurnRate) },
  { title: 'PagerDuty', field: 'delivery' },
];

const alertColumns: TableColumn<AlertRow>[] = [
  { title: 'Alert', field: 'name' },
  { title: 'Severity', field: 'severity' },
  { title: 'Factor', render: a => `${a.factor}×` },
  {
    title: 'Long window',
    render: a =>
      `${windowLabel(a.longWindowMinutes)}: ${times(a.longBurnRate)}`,
  },
  {
    title: 'Short window',
    render: a =>
      `${windowLabel(a.shortWindowMinutes)}: ${times(a.shortBurnRate)}`,
  },
  { title: 'Condition', render: a => (a.condition ? 'holds' : 'no') },
  { title: 'State', render: a => <strong>{a.state}</strong> },
  {
    title: 'Runbook',
    render: a => <Link to={`/runbooks/${a.runbook}`}>{a.runbook}</Link>,
  },
];

const monthColumns: TableColumn<MonthRow>[] = [
  { title: 'Month', field: 'month' },
  { title: 'SLI', render: m => pct(m.sli, 3) },
  { title: 'Events', render: m => m.total.toLocaleString('en-US') },
  { title: 'Budget used', render: m => pct(m.budgetUsed, 1) },
  {
    title: 'Objective',
    render: m => {
      if (m.met === null) return 'no data';
      return m.met ? 'met' : 'missed';
    },
  },
];

export const SloDetailContent = ({
  slo,
  history,
  alertChanges = [],
}: {
  slo: SloDetail;
  history: SloHistory;
  alertChanges?: AlertChange[];
}) => (
  <Grid container spacing={3}>
    {!slo.dataStatus.ok && (
      <Grid item xs={12}>
        <WarningPanel severity="info" title={slo.dataStatus.message} />
      </Grid>
    )}
    {slo.policy.state === 'freeze' && (
      <Grid item xs={12}>
        <WarningPanel
          severity="error"
          title="Error-budget policy: freeze non-critical deploys"
          message={slo.policy.reason}
        />
      </Grid>
    )}
    <Grid item xs={12} md={4}>
      <InfoCard title="Objective">
        <Typography variant="h5">{objectiveLabel(slo)}</Typography>
        <Typography variant="body2">
          Window {slo.window} · owner {slo.owner} · service {slo.service}
        </Typography>
        <Typography variant="body2" color="textSecondary">
          {slo.description}
        </Typography>
      </InfoCard>
    </Grid>
    <Grid item xs={12} md={4}>
      <InfoCard title="Current SLI">
        <Typography variant="h5" data-testid="current-sli">
          {slo.sli === null ? 'no data' : pct(slo.sli, 3)}
        </Typography>
        <Typography variant="body2">
          {slo.good.toLocaleString('en-US')} good of{' '}
          {slo.total.toLocaleString('en-US')} · {slo.dataStatus.message}
        </Typography>
        <Typography variant="caption" color="textSecondary">
          as of {slo.asOf}
        </Typography>
      </InfoCard>
    </Grid>
    <Grid item xs={12} md={4}>
      <InfoCard title="Error budget">
        <BudgetStatus remaining={slo.budget.remaining} />
        <Typography variant="body2">
          consumed {pct(slo.budget.consumed, 1)} · policy: {slo.policy.state}
        </Typography>
        <Typography variant="body2" color="textSecondary">
          {slo.policy.reason}
        </Typography>
      </InfoCard>
    </Grid>
    <Grid item xs={12} md={6}>
      <InfoCard title="Budget burn-down over the window">
        <BurnDownChart slo={slo} />
      </InfoCard>
    </Grid>
    <Grid item xs={12} md={6}>
      <InfoCard title="Burn rate per window (dashed: alert factors)">
        <BurnRateChart slo={slo} />
      </InfoCard>
    </Grid>
    <Grid item xs={12}>
      <Table<AlertRow>
        title="Multi-window burn-rate alerts"
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={alertColumns}
        data={slo.alerts}
      />
    </Grid>
    <Grid item xs={12}>
      <Table<AlertChange>
        title="Alert history"
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={changeColumns}
        data={alertChanges}
        emptyContent={
          <Typography style={{ padding: 16 }}>
            No alert state changes recorded.
          </Typography>
        }
      />
    </Grid>
    <Grid item xs={12} md={7}>
      <Table<MonthRow>
        title="Monthly compliance"
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={monthColumns}
        data={history.months}
        emptyContent={
          <Typography style={{ padding: 16 }}>
            No months with data yet.
          </Typography>
        }
      />
    </Grid>
    <Grid item xs={12} md={5}>
      <InfoCard title="Policy changes">
        {history.policyEvents.length === 0 && (
          <Typography variant="body2">No policy changes recorded.</Typography>
        )}
        {history.policyEvents.map(e => (
          <Typography key={e.at} variant="body2">
            {e.at}: {e.fromState} → {e.toState} — {e.reason}
          </Typography>
        ))}
      </InfoCard>
    </Grid>
  </Grid>
);

export const SloDetailPage = () => {
  const { id = '' } = useParams();
  const api = useApi(sloApiRef);
  const { value, loading, error } = useAsync(
    async () => ({
      slo: await api.getSlo(id),
      history: await api.getHistory(id),
      alerts: await api.listAlerts(id),
    }),
    [api, id],
  );
  return (
    <Page themeId="tool">
      <Header title={value?.slo.name ?? id} subtitle={value?.slo.journey} />
      <Content>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && (
          <SloDetailContent
            slo={value.slo}
            history={value.history}
            alertChanges={value.alerts.history}
          />
        )}
      </Content>
    </Page>
  );
};
