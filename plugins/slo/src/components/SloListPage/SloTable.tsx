import { Link, Table, TableColumn } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { SloSummary } from '../../api/SloApi';
import { objectiveLabel, pct } from '../format';
import { BudgetStatus } from '../SloStatus';

export const SloTable = ({
  items,
  title,
  detailBase = '/slos',
}: {
  items: SloSummary[];
  title: string;
  detailBase?: string;
}) => {
  const columns: TableColumn<SloSummary>[] = [
    {
      title: 'SLO',
      field: 'name',
      render: s => <Link to={`${detailBase}/${s.id}`}>{s.name}</Link>,
    },
    { title: 'Journey', field: 'journey' },
    { title: 'Owner', field: 'owner' },
    { title: 'Objective', render: s => objectiveLabel(s) },
    { title: 'Window', field: 'window' },
    {
      title: 'Current SLI',
      render: s =>
        s.sli === null ? (
          <Typography variant="body2" color="textSecondary">
            {s.dataStatus.message}
          </Typography>
        ) : (
          `${pct(s.sli, 3)} (${s.total.toLocaleString('en-US')} events)`
        ),
    },
    {
      title: 'Budget remaining',
      render: s => <BudgetStatus remaining={s.budget.remaining} />,
    },
    {
      title: 'Policy',
      render: s =>
        s.policy.state === 'freeze' ? (
          <Typography variant="body2" color="error">
            freeze non-critical deploys
          </Typography>
        ) : (
          s.policy.state
        ),
    },
  ];
  return (
    <Table<SloSummary>
      title={title}
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={items}
    />
  );
};
