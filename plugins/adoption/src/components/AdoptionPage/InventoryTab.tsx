import {
  Box,
  Chip,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { adoptionApiRef, InventoryDto } from '../../api/AdoptionApi';
import { shortTeam, when } from './format';

const teamChip = (team: string, highlight: boolean) => (
  <Chip
    key={team}
    size="small"
    label={shortTeam(team)}
    color={highlight ? 'secondary' : 'default'}
    style={{ margin: 2 }}
  />
);

/** Where the measured figures come from and the window they cover. */
function MeasurementCaption(props: { m: InventoryDto['measurement'] }) {
  return (
    <Typography variant="caption" data-testid="measurement">
      Measured: {props.m.source}; calls from {when(props.m.from)} to{' '}
      {props.m.to ? when(props.m.to) : '(not copied yet)'}.
    </Typography>
  );
}

function CallsTable(props: {
  testId: string;
  rows: Array<{ who: string; calls30d: number; lastCallAt: string | null }>;
}) {
  if (props.rows.length === 0) {
    return <Typography variant="body2">no calls in 30 days</Typography>;
  }
  return (
    <Table size="small" data-testid={props.testId}>
      <TableHead>
        <TableRow>
          <TableCell>Caller</TableCell>
          <TableCell>Calls (30 d)</TableCell>
          <TableCell>Last call</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.rows.map(r => (
          <TableRow
            key={r.who}
            data-testid={`${props.testId}-${shortTeam(r.who)}`}
          >
            <TableCell>{shortTeam(r.who)}</TableCell>
            <TableCell data-testid="calls30d">{r.calls30d}</TableCell>
            <TableCell>{when(r.lastCallAt)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function InventoryTab() {
  const api = useApi(adoptionApiRef);
  const { value, loading, error } = useAsync(() => api.getInventory(), []);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const inv = value!;
  return (
    <Box>
      <MeasurementCaption m={inv.measurement} />
      {inv.capabilities.map(c => (
        <Box key={c.id} mb={3} mt={1}>
          <Paper>
            <Box p={2}>
              <Typography variant="h6">{c.title}</Typography>
              <Typography variant="body2">
                {c.description} — owner {shortTeam(c.owner)}; contract{' '}
                {c.apis
                  .map(a => `${a.title} ${a.version} (${a.lifecycle})`)
                  .join(', ')}
              </Typography>
              <Typography variant="body2">
                Migration: {c.migrationApproach}
              </Typography>
              <Typography variant="body2">
                Impact: {c.expectedImpact}
              </Typography>
              <Typography variant="body2">Risks: {c.risks}</Typography>
              <Box display="flex" mt={1}>
                <Box flex={1} data-testid={`declared-${c.id}`}>
                  <Typography variant="subtitle2">
                    Declared consumers (catalog consumesApi) ·{' '}
                    {c.declaredConsumers.length}
                  </Typography>
                  {c.declaredConsumers.map(t =>
                    teamChip(t, c.onlyDeclared.includes(t)),
                  )}
                </Box>
                <Box flex={1} data-testid={`measured-${c.id}`}>
                  <Typography variant="subtitle2">
                    Measured consumers (calls in 30 days) ·{' '}
                    {c.measuredConsumers.length}
                  </Typography>
                  {c.measuredConsumers.map(m =>
                    teamChip(m.team, c.onlyMeasured.includes(m.team)),
                  )}
                </Box>
              </Box>
              <Typography variant="caption">
                Highlighted: on one side only (declared but no calls seen, or
                calling without a declared relation).
              </Typography>
              <Box mt={1}>
                <Typography variant="subtitle2">
                  Measured callers: teams and services
                </Typography>
                <CallsTable
                  testId={`callers-${c.id}`}
                  rows={[
                    ...c.measuredConsumers.map(m => ({ who: m.team, ...m })),
                    ...c.measuredServices.map(s => ({ who: s.service, ...s })),
                  ]}
                />
              </Box>
            </Box>
          </Paper>
        </Box>
      ))}
      <Typography variant="h6">Kept product-specific</Typography>
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Capability</TableCell>
            <TableCell>Owner</TableCell>
            <TableCell>Reason</TableCell>
            <TableCell>Revisit trigger</TableCell>
            <TableCell>Consumers (catalog)</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {inv.productSpecific.map(p => (
            <TableRow key={p.component}>
              <TableCell>{p.title}</TableCell>
              <TableCell>{shortTeam(p.owner)}</TableCell>
              <TableCell>{p.reason}</TableCell>
              <TableCell>
                {p.revisitTrigger}: {p.triggerMet ? 'MET — revisit' : 'not met'}
              </TableCell>
              <TableCell>{p.consumers.map(shortTeam).join(', ')}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Box mt={2}>
        <Typography variant="h6">Versioning policy</Typography>
        <ul>
          {inv.versioning.policy.map(p => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        <Typography variant="subtitle1">Deprecated versions</Typography>
        {inv.versioning.deprecatedVersions.length === 0 && (
          <Typography variant="body2" data-testid="deprecated-none">
            none declared (adoption/versioning.yaml): every platform API is on
            its first version
          </Typography>
        )}
        {inv.versioning.deprecatedVersions.map(v => (
          <Box key={`${v.capability}-${v.version}`} mt={1}>
            <Typography variant="body2">
              {v.capability} {v.version} → {v.replacedBy} (GA {v.gaDate}),
              removed {v.removalDate}; routes {v.routes.join(', ')}
            </Typography>
            <CallsTable
              testId={`deprecated-${v.capability}-${v.version}`}
              rows={v.callers.map(r => ({ who: r.caller, ...r }))}
            />
          </Box>
        ))}
      </Box>
    </Box>
  );
}
