import { Chip, Typography } from '@material-ui/core';
import {
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import {
  capacityApiRef,
  CostGuardrailsDto,
  ProjectList,
  WeeklyReviewDto,
} from '../../api/CapacityApi';
import { formatDate, PROVENANCE_LABEL } from './format';

type Project = ProjectList['projects'][number];
type ReviewRow = WeeklyReviewDto['limits'][number];
type Driver = CostGuardrailsDto['drivers'][number];

export function ProjectsTab() {
  const api = useApi(capacityApiRef);
  const { value, loading, error } = useAsync(() => api.listProjects(), [api]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const columns: TableColumn<Project>[] = [
    { title: 'Project', render: p => `${p.id}: ${p.name}` },
    { title: 'When', field: 'window' },
    { title: 'What', field: 'summary' },
    {
      title: 'Relieves',
      render: p =>
        p.relieves.map(r => (
          <Chip
            key={r.id}
            size="small"
            label={`${r.name}: ${r.status} · ${
              r.percentOfTrigger
            }% of trigger (${PROVENANCE_LABEL[r.provenance]})`}
          />
        )),
    },
    { title: 'Expected effect', field: 'expectedEffect' },
  ];
  return (
    <Table
      title="Capacity projects (spec section 4)"
      options={{ paging: false, search: false }}
      columns={columns}
      data={value!.projects}
    />
  );
}

export function ReviewTab() {
  const api = useApi(capacityApiRef);
  const { value, loading, error } = useAsync(() => api.getReview(), [api]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const review = value!;
  const columns: TableColumn<ReviewRow>[] = [
    { title: 'Limit', field: 'name' },
    {
      title: 'Now',
      render: r =>
        `${r.now.value} ${r.unit} (${PROVENANCE_LABEL[r.now.provenance]})`,
    },
    {
      title: 'A week ago',
      render: r =>
        r.weekAgo
          ? `${r.weekAgo.value} ${r.unit} (${
              PROVENANCE_LABEL[r.weekAgo.provenance]
            }, ${formatDate(r.weekAgo.at)})`
          : 'no sample',
    },
    {
      title: 'Moved',
      render: r =>
        r.change === null
          ? '—'
          : `${r.change > 0 ? '+' : ''}${Number(r.change.toPrecision(4))} ${
              r.unit
            }`,
    },
    { title: '% of trigger', field: 'percentOfTrigger' },
    { title: 'Status', field: 'status' },
  ];
  return (
    <>
      <Typography variant="body1" paragraph data-testid="exit-criterion">
        {review.exitCriterion.met
          ? 'Exit criterion met: every limit is measured below 50% of its trigger.'
          : `Exit criterion not met: ${
              review.exitCriterion.above.length
            } limits at or above 50% of trigger or only estimated (${review.exitCriterion.above
              .map(a => a.id)
              .join(', ')}).`}{' '}
        {review.exitCriterion.text}
      </Typography>
      <Table
        title={`Weekly capacity review ${formatDate(
          review.from,
        )} – ${formatDate(review.to)}`}
        options={{ paging: false, search: false }}
        columns={columns}
        data={review.limits}
      />
      <Typography variant="h6">Status changes this week</Typography>
      {review.statusChanges.length === 0 ? (
        <Typography>None.</Typography>
      ) : (
        <ul>
          {review.statusChanges.map(c => (
            <li key={`${c.limit}-${c.at}`}>
              {c.at.slice(0, 16).replace('T', ' ')} {c.limit}:{' '}
              {c.from ?? '(first evaluation)'} → {c.to} — {c.reason}
              {c.webhook ? ` (webhook ${c.webhook})` : ''}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function CostsTab() {
  const api = useApi(capacityApiRef);
  const { value, loading, error } = useAsync(() => api.getCosts(), [api]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const costs = value!;
  const money = (n: number) =>
    `${n.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${
      costs.currency
    }`;
  const columns: TableColumn<Driver>[] = [
    { title: 'Cost driver', field: 'name' },
    { title: 'Monthly budget (declared)', render: d => money(d.monthlyBudget) },
    {
      title: 'Spend this month',
      render: d =>
        `${money(d.spend)} (${d.percentOfBudget}%)${
          d.servicesWithoutData.length
            ? ` — no figures yet for ${d.servicesWithoutData.join(', ')}`
            : ''
        }`,
    },
    {
      title: 'Alert',
      render: d =>
        d.alert === 'none' ? (
          'none'
        ) : (
          <Chip
            size="small"
            label={
              d.alert === 'exceeded'
                ? '100% of budget reached'
                : `${costs.warnAt * 100}% of budget reached`
            }
            color={d.alert === 'exceeded' ? 'secondary' : 'default'}
          />
        ),
    },
    {
      title: `Services (review above ${Math.round(
        costs.reviewAt * 100,
      )}% of allocation)`,
      render: d => (
        <ul style={{ margin: 0 }}>
          {d.services.map(s => (
            <li key={s.id} title={s.spend?.source}>
              {s.name}:{' '}
              {s.spend
                ? `${money(s.spend.amount)} (${s.spend.provenance}, ${
                    s.percentOfAllocation
                  }% of ${money(s.allocation)})`
                : `no figure (allocation ${money(s.allocation)})`}
              {s.costReview ? ' — COST REVIEW' : ''}
            </li>
          ))}
        </ul>
      ),
    },
  ];
  return (
    <Table
      title={`Cost guardrails ${costs.month}`}
      options={{ paging: false, search: false }}
      columns={columns}
      data={costs.drivers}
    />
  );
}
