import { PhaseEvidence } from '@internal/plugin-adoption-common';
import { AuditActivity } from '@internal/plugin-platform-node';
import { ServicePrincipalMap } from './servicePrincipals';

const SERVICE_PREFIX = 'service:';

function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

/** Calls of one caller (team or `service:<subject>`) to one capability in the window. */
export interface CallerUsage {
  caller: string;
  capability: string;
  calls30d: number;
  lastCallAt: string | null;
}

/** Audit records of one caller (team or `service:<subject>`) for one capability. */
export interface CallerAudit {
  caller: string;
  capability: string;
  events30d: number;
  lastEventAt: string | null;
  actions: Array<{ action: string; outcome: string; count: number }>;
}

/**
 * Audit activity per caller and capability: a team's rows under its group ref, a service
 * principal's under `service:<subject>`; users without a (known) team are not attributed.
 */
export function auditByCaller(
  rows: AuditActivity[],
  capabilityOfPlugin: Map<string, string>,
): CallerAudit[] {
  const out = new Map<string, CallerAudit>();
  for (const r of rows) {
    const capability = capabilityOfPlugin.get(r.plugin);
    let caller: string | undefined;
    if (r.team.startsWith('group:')) caller = r.team;
    else if (r.team === 'service' && r.caller.startsWith(SERVICE_PREFIX))
      caller = r.caller;
    if (!capability || !caller) continue;
    const key = `${caller}\u0000${capability}`;
    const seen = out.get(key) ?? {
      caller,
      capability,
      events30d: 0,
      lastEventAt: null,
      actions: [],
    };
    seen.events30d += r.count;
    seen.lastEventAt = latest(seen.lastEventAt, r.lastAt.toISOString());
    const action = seen.actions.find(
      a => a.action === r.action && a.outcome === r.outcome,
    );
    if (action) action.count += r.count;
    else
      seen.actions.push({
        action: r.action,
        outcome: r.outcome,
        count: r.count,
      });
    out.set(key, seen);
  }
  for (const a of out.values())
    a.actions.sort(
      (x, y) => y.count - x.count || x.action.localeCompare(y.action),
    );
  return [...out.values()];
}

/**
 * A team's evidence from its own calls plus those of the service principals the catalog maps
 * to it ("via service X"); unmapped principals stay out of every team.
 */
export function teamUsage(
  team: string,
  capability: string,
  usage: CallerUsage[],
  principals: ServicePrincipalMap,
): Pick<PhaseEvidence, 'calls30d' | 'lastCallAt' | 'viaServices'> {
  const own = usage.find(u => u.caller === team && u.capability === capability);
  const via = usage
    .filter(
      u =>
        u.capability === capability &&
        u.caller.startsWith(SERVICE_PREFIX) &&
        principals.teamOf(u.caller)?.team === team,
    )
    .map(u => ({
      service: u.caller,
      entity: principals.teamOf(u.caller)!.entity,
      calls30d: u.calls30d,
      lastCallAt: u.lastCallAt,
    }));
  return {
    calls30d: (own?.calls30d ?? 0) + via.reduce((a, v) => a + v.calls30d, 0),
    lastCallAt: via.reduce(
      (a, v) => latest(a, v.lastCallAt),
      own?.lastCallAt ?? null,
    ),
    ...(via.length ? { viaServices: via } : {}),
  };
}

/** A team's audit records for a capability, its mapped services' included; undefined if none. */
export function teamAudit(
  team: string,
  capability: string,
  audit: CallerAudit[],
  principals: ServicePrincipalMap,
): PhaseEvidence['audit'] {
  const mine = audit.filter(
    a =>
      a.capability === capability &&
      (a.caller === team || principals.teamOf(a.caller)?.team === team),
  );
  if (mine.length === 0) return undefined;
  const actions = new Map<
    string,
    { action: string; outcome: string; count: number }
  >();
  for (const a of mine.flatMap(m => m.actions)) {
    const key = `${a.action}\u0000${a.outcome}`;
    const seen = actions.get(key);
    if (seen) seen.count += a.count;
    else actions.set(key, { ...a });
  }
  return {
    events30d: mine.reduce((n, a) => n + a.events30d, 0),
    lastEventAt: mine.reduce<string | null>(
      (l, a) => latest(l, a.lastEventAt),
      null,
    ),
    actions: [...actions.values()].sort(
      (x, y) => y.count - x.count || x.action.localeCompare(y.action),
    ),
    viaServices: mine
      .map(a => a.caller)
      .filter(c => c.startsWith(SERVICE_PREFIX))
      .sort(),
  };
}
