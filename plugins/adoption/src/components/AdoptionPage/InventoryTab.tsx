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
import { useApi } from '@backstage/core-plugin-api';
import { adoptionApiRef, InventoryDto } from '../../api/AdoptionApi';
import { shortTeam, when } from './format';
import { Loaded } from '../Loaded';

type Capability = InventoryDto['capabilities'][number];

const teamChip = (team: string, highlight: boolean, label?: string) => (
  <Chip
    key={team}
    size="small"
    label={label ?? shortTeam(team)}
    color={highlight ? 'secondary' : 'default'}
    style={{ margin: 2 }}
  />
);

/** Where the measured figures come from and the window they cover, per source. */
function MeasurementCaption(props: { inv: InventoryDto }) {
  const { measurement: m, auditMeasurement: a } = props.inv;
  return (
    <Box>
      <Typography variant="caption" display="block" data-testid="measurement">
        Calls: {m.source}; from {when(m.from)} to{' '}
        {m.to ? when(m.to) : '(not copied yet)'}.
      </Typography>
      <Typography
        variant="caption"
        display="block"
        data-testid="audit-measurement"
      >
        Audit records: {a.source}; from {when(a.from)} to {when(a.to)}.{' '}
        {a.ok ? '' : `Not readable: ${a.detail}`}
      </Typography>
    </Box>
  );
}

/** A caller as the page names it: a team, a mapped service ("svc → team") or an unmapped one. */
function callerLabel(who: string, team?: string | null): string {
  if (!who.startsWith('service:')) return shortTeam(who);
  return team ? `${who} → ${shortTeam(team)}` : `${who} (unmapped service)`;
}

interface CallerRow {
  who: string;
  /** For a service principal: its team, null when unmapped. */
  team?: string | null;
  calls30d?: number;
  lastCallAt?: string | null;
  events30d?: number;
  lastEventAt?: string | null;
  actions?: string;
  via?: string[];
}

/** Teams and services of one capability with each source's figures side by side. */
function callerRows(c: Capability): CallerRow[] {
  const rows = new Map<string, CallerRow>();
  const row = (who: string) => {
    const r = rows.get(who) ?? { who };
    rows.set(who, r);
    return r;
  };
  for (const m of c.measuredConsumers)
    Object.assign(row(m.team), {
      calls30d: m.calls30d,
      lastCallAt: m.lastCallAt,
      via: m.viaServices,
    });
  for (const s of c.measuredServices)
    Object.assign(row(s.service), {
      calls30d: s.calls30d,
      lastCallAt: s.lastCallAt,
      team: s.team,
    });
  for (const a of c.auditConsumers) {
    const r = row(a.team);
    Object.assign(r, {
      events30d: a.events30d,
      lastEventAt: a.lastEventAt,
      actions: a.actions
        .map(x => `${x.action} ${x.outcome} ×${x.count}`)
        .join(', '),
      via: [...new Set([...(r.via ?? []), ...a.viaServices])],
    });
  }
  for (const s of c.auditServices)
    Object.assign(row(s.service), {
      events30d: s.events30d,
      lastEventAt: s.lastEventAt,
      team: s.team,
    });
  return [...rows.values()];
}

/** Callers with their calls; with `audit`, the audit-store records and via-services too. */
function CallersTable(props: {
  testId: string;
  rows: CallerRow[];
  audit?: boolean;
}) {
  if (props.rows.length === 0) {
    return (
      <Typography variant="body2">
        {props.audit
          ? 'no calls and no audit records in 30 days'
          : 'no calls in 30 days'}
      </Typography>
    );
  }
  return (
    <Table size="small" data-testid={props.testId}>
      <TableHead>
        <TableRow>
          <TableCell>Caller</TableCell>
          <TableCell>Calls (30 d, request telemetry)</TableCell>
          <TableCell>Last call</TableCell>
          {props.audit && (
            <>
              <TableCell>Audit records (30 d, audit store)</TableCell>
              <TableCell>Last audited</TableCell>
              <TableCell>Via service</TableCell>
            </>
          )}
        </TableRow>
      </TableHead>
      <TableBody>
        {props.rows.map(r => (
          <TableRow
            key={r.who}
            data-testid={`${props.testId}-${shortTeam(r.who)}`}
          >
            <TableCell>{callerLabel(r.who, r.team)}</TableCell>
            <TableCell data-testid="calls30d">{r.calls30d ?? 0}</TableCell>
            <TableCell>{when(r.lastCallAt)}</TableCell>
            {props.audit && (
              <>
                <TableCell data-testid="events30d" title={r.actions}>
                  {r.events30d ?? 0}
                </TableCell>
                <TableCell>{when(r.lastEventAt)}</TableCell>
                <TableCell>{r.via?.length ? r.via.join(', ') : '—'}</TableCell>
              </>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function CapabilityCard({ c }: { c: Capability }) {
  const auditOnly = c.auditConsumers.filter(
    a => !c.measuredConsumers.some(m => m.team === a.team),
  );
  return (
    <Box mb={3} mt={1}>
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
          <Typography variant="body2">Impact: {c.expectedImpact}</Typography>
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
                Measured consumers (calls or audit records in 30 days) ·{' '}
                {c.measuredConsumers.length + auditOnly.length}
              </Typography>
              {c.measuredConsumers.map(m =>
                teamChip(m.team, c.onlyMeasured.includes(m.team)),
              )}
              {auditOnly.map(a =>
                teamChip(
                  a.team,
                  c.onlyMeasured.includes(a.team),
                  `${shortTeam(a.team)} (audit store only)`,
                ),
              )}
            </Box>
          </Box>
          <Typography variant="caption">
            Highlighted: on one side only (declared but no calls seen, or
            calling without a declared relation).
          </Typography>
          <Box mt={1}>
            <Typography variant="subtitle2">
              Measured callers: teams and services, per source
            </Typography>
            <CallersTable
              testId={`callers-${c.id}`}
              rows={callerRows(c)}
              audit
            />
          </Box>
        </Box>
      </Paper>
    </Box>
  );
}

function ServicePrincipals({
  claims,
}: {
  claims: InventoryDto['servicePrincipals'];
}) {
  return (
    <Box mt={2} data-testid="service-principals">
      <Typography variant="h6">Service principals</Typography>
      <Typography variant="body2">
        A service caller counts for a team when a Group, or a Component or
        Resource owned by it, from the organisation&apos;s catalog files names
        it in platform.portal/service-principal. Claims from anywhere else are
        ignored.
      </Typography>
      {claims.length === 0 ? (
        <Typography variant="body2">no claims in the catalog</Typography>
      ) : (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Principal</TableCell>
              <TableCell>Team</TableCell>
              <TableCell>Claimed by</TableCell>
              <TableCell>Status</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {claims.map(c => (
              <TableRow key={`${c.service}-${c.entity}`}>
                <TableCell>{c.service}</TableCell>
                <TableCell>{shortTeam(c.team)}</TableCell>
                <TableCell>{c.entity}</TableCell>
                <TableCell>
                  {c.status === 'mapped' ? 'mapped' : c.detail}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}

export function InventoryTab() {
  const api = useApi(adoptionApiRef);
  return (
    <Loaded load={() => api.getInventory()}>
      {inv => <Inventory inv={inv} />}
    </Loaded>
  );
}

function Inventory({ inv }: { inv: InventoryDto }) {
  return (
    <Box>
      <MeasurementCaption inv={inv} />
      {inv.capabilities.map(c => (
        <CapabilityCard key={c.id} c={c} />
      ))}
      <ServicePrincipals claims={inv.servicePrincipals} />
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
            None. Every platform API (exports, filters, authz) is served only
            under /v1 and no older or unversioned route is kept (checked against
            the backends&apos; routers on 2026-12-02), so no team can be calling
            a deprecated version. When a version is deprecated
            (adoption/versioning.yaml), its callers and removal date appear
            here.
          </Typography>
        )}
        {inv.versioning.deprecatedVersions.map(v => (
          <Box key={`${v.capability}-${v.version}`} mt={1}>
            <Typography variant="body2">
              {v.capability} {v.version} → {v.replacedBy} (GA {v.gaDate}),
              removed {v.removalDate}; routes {v.routes.join(', ')}
            </Typography>
            <Typography variant="body2">
              Calling teams:{' '}
              {v.callingTeams.map(shortTeam).join(', ') || 'none'}
            </Typography>
            <CallersTable
              testId={`deprecated-${v.capability}-${v.version}`}
              rows={v.callers.map(r => ({ who: r.caller, ...r }))}
            />
          </Box>
        ))}
      </Box>
    </Box>
  );
}
