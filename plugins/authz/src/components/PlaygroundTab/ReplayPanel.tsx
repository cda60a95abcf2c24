import { Table, TableColumn } from '@backstage/core-components';
import { Box, Typography } from '@material-ui/core';
import { ReplayResult } from '../../api/AuthzApi';

type BlastRow = ReplayResult['blastRadius'][number];
type Flip = ReplayResult['flips'][number];

const blastColumns: TableColumn<BlastRow>[] = [
  { title: 'Team', render: r => r.team ?? '(no team)' },
  { title: 'Action', field: 'action' },
  { title: 'Replayed', field: 'replayed', type: 'numeric' },
  { title: 'Flipped', field: 'flipped', type: 'numeric' },
  { title: 'Now allowed', field: 'nowAllowed', type: 'numeric' },
  { title: 'Now denied', field: 'nowDenied', type: 'numeric' },
];

const answer = (a: { allowed: boolean; reason: string }) =>
  `${a.allowed ? 'allow' : 'deny'} (${a.reason})`;

const flipColumns: TableColumn<Flip>[] = [
  { title: 'Decided', field: 'decidedAt' },
  { title: 'Team', render: f => f.team ?? '' },
  { title: 'Subject', field: 'subject' },
  { title: 'Action', field: 'action' },
  { title: 'Resource', field: 'resource' },
  { title: 'Before', render: f => answer(f.before) },
  { title: 'After', render: f => answer(f.after) },
];

/** What a candidate would change: counts by team and action, then the flipped decisions. */
export const ReplayPanel = ({ result }: { result: ReplayResult }) => (
  <Box mt={2} data-testid="replay-result">
    <Typography variant="h6">
      {result.flipped} of {result.replayed} replayed decisions flip (candidate{' '}
      {result.candidate.slice(0, 12)})
    </Typography>
    <Table
      title="Blast radius by team and action"
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={blastColumns}
      data={result.blastRadius}
    />
    <Box mt={2}>
      <Table
        title={`Flipped decisions (first ${result.flips.length})`}
        options={{ pageSize: 20, search: false, padding: 'dense' }}
        columns={flipColumns}
        data={result.flips}
      />
    </Box>
  </Box>
);
