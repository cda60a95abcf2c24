import { useState } from 'react';
import {
  Box,
  Drawer,
  IconButton,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import CloseIcon from '@material-ui/icons/Close';
import { useApi } from '@backstage/core-plugin-api';
import { adoptionApiRef, CellDto, MatrixDto } from '../../api/AdoptionApi';
import { PHASE_COLOURS, PHASE_LABELS, shortTeam, when } from './format';
import { Loaded } from '../Loaded';

function CellDrawer({ cell, onClose }: { cell: CellDto; onClose: () => void }) {
  const api = useApi(adoptionApiRef);
  const e = cell.evidence;
  return (
    <Box p={3} width={520} data-testid="cell-drawer">
      <Box display="flex" justifyContent="space-between">
        <Typography variant="h6">
          {shortTeam(cell.team)} · {cell.capability}
        </Typography>
        <IconButton aria-label="close" onClick={onClose}>
          <CloseIcon />
        </IconButton>
      </Box>
      <Typography>
        Measured phase {PHASE_LABELS[cell.phase]} — {cell.reason}
      </Typography>
      <ul>
        <li>
          Platform calls (30 d, request telemetry): {e.calls30d}
          {e.viaServices?.length
            ? ` (${e.viaServices
                .map(
                  v => `${v.calls30d} via service ${v.service} (${v.entity})`,
                )
                .join(', ')})`
            : ''}
        </li>
        <li>Last platform call: {when(e.lastCallAt)}</li>
        <li>Legacy calls through the shim (30 d): {e.legacyCalls30d}</li>
        <li>Last legacy call: {when(e.lastLegacyCallAt)}</li>
        {e.shadow && (
          <li>
            Permissions mode {e.shadow.mode}: {e.shadow.discrepancies}{' '}
            discrepancies in {e.shadow.checks} shadow checks (
            {e.shadow.rate === null || e.shadow.rate === undefined
              ? 'no checks'
              : `${(e.shadow.rate * 100).toFixed(3)}%`}
            )
          </li>
        )}
        <li data-testid="cell-audit">
          Audit store records (30 d, shown beside the phase, not used by it):{' '}
          {e.audit
            ? `${e.audit.events30d}, last ${when(
                e.audit.lastEventAt,
              )}: ${e.audit.actions
                .map(a => `${a.action} ${a.outcome} ×${a.count}`)
                .join(', ')}${
                e.audit.viaServices.length
                  ? ` (via ${e.audit.viaServices.join(', ')})`
                  : ''
              }`
            : 'none'}
        </li>
      </ul>
      <Typography variant="subtitle1">History</Typography>
      <Loaded
        key={`${cell.team} ${cell.capability}`}
        load={() => api.getCellHistory(cell.team, cell.capability)}
      >
        {({ history }) => (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>When</TableCell>
                <TableCell>Source</TableCell>
                <TableCell>Phase</TableCell>
                <TableCell>Why</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {history.map((h, i) => (
                <TableRow key={i}>
                  <TableCell>{when(h.changedAt)}</TableCell>
                  <TableCell>{h.source}</TableCell>
                  <TableCell>
                    {h.fromPhase ?? '—'} → {h.phase}
                  </TableCell>
                  <TableCell>{h.reason}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Loaded>
    </Box>
  );
}

export function MatrixTab() {
  const api = useApi(adoptionApiRef);
  return <Loaded load={() => api.getMatrix()}>{m => <Matrix m={m} />}</Loaded>;
}

function Matrix({ m }: { m: MatrixDto }) {
  const [open, setOpen] = useState<CellDto>();
  const find = (team: string, cap: string, source: string) =>
    m.cells.find(
      c => c.team === team && c.capability === cap && c.source === source,
    );
  return (
    <Box>
      <Typography variant="body2" paragraph>
        Measured phases from platform request telemetry (a team&apos;s mapped
        service principals included), adapter-shim reports and authz shadow mode
        (computed {when(m.computedAt)}); audit-store records are shown beside
        them. Declared phases from catalog annotations are shown apart and never
        change the measured one.
      </Typography>
      <Paper>
        <Table aria-label="adoption matrix">
          <TableHead>
            <TableRow>
              <TableCell>Team</TableCell>
              {m.capabilities.map(c => (
                <TableCell key={c}>{c}</TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {m.teams.map(team => (
              <TableRow key={team}>
                <TableCell>{shortTeam(team)}</TableCell>
                {m.capabilities.map(cap => {
                  const measured = find(team, cap, 'measured')!;
                  const declared = find(team, cap, 'declared');
                  return (
                    <TableCell
                      key={cap}
                      data-testid={`cell-${shortTeam(team)}-${cap}`}
                      data-phase={measured.phase}
                      data-source={measured.source}
                      onClick={() => setOpen(measured)}
                      style={{
                        background: PHASE_COLOURS[measured.phase],
                        cursor: 'pointer',
                      }}
                    >
                      <b>{measured.phase}</b> measured
                      <Typography variant="caption" display="block">
                        {measured.evidence.calls30d} calls ·{' '}
                        {measured.evidence.legacyCalls30d} legacy
                        {measured.evidence.audit
                          ? ` · ${measured.evidence.audit.events30d} audited`
                          : ''}
                      </Typography>
                      {declared && (
                        <Typography
                          variant="caption"
                          display="block"
                          style={{ fontStyle: 'italic' }}
                        >
                          declared {declared.phase}
                          {declared.phase !== measured.phase
                            ? ' (differs)'
                            : ''}
                        </Typography>
                      )}
                    </TableCell>
                  );
                })}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Paper>
      <Box mt={2}>
        <Typography variant="subtitle2">Evidence sources</Typography>
        <ul>
          {m.sources.map(s => (
            <li key={s.name}>
              {s.ok ? '✓' : '✗'} {s.name}: {s.detail}
            </li>
          ))}
        </ul>
      </Box>
      <Drawer anchor="right" open={!!open} onClose={() => setOpen(undefined)}>
        {open && <CellDrawer cell={open} onClose={() => setOpen(undefined)} />}
      </Drawer>
    </Box>
  );
}
