import type { LoggedDecision } from '../DecisionLog';
import type { ShadowRecord } from '../ShadowStore';
import { latencyHistograms, storedLatencyUs } from './latencyHistograms';

/**
 * A table's rows for `jsonb_to_recordset`: its columns with their Postgres types, and each row
 * as an object literal of those columns: one fixed shape, about half the CPU of filling an
 * object column by column (see docs/benchmarks/authz.md).
 */
interface RowShape<T> {
  columns: Array<[name: string, type: string]>;
  row: (value: T) => Record<string, unknown>;
}

const DECISIONS: RowShape<LoggedDecision> = {
  columns: [
    ['decision_id', 'uuid'],
    ['caller', 'text'],
    ['subject', 'text'],
    ['action', 'text'],
    ['resource', 'text'],
    ['team', 'text'],
    ['endpoint', 'text'],
    ['mode', 'text'],
    ['allowed', 'boolean'],
    ['reason', 'text'],
    ['policy_allowed', 'boolean'],
    ['policy_reason', 'text'],
    ['policy_revision', 'text'],
    ['cache_hit', 'boolean'],
    ['check', 'jsonb'],
    ['latency_us', 'integer'],
  ],
  row: d => ({
    decision_id: d.decision.decisionId,
    caller: d.caller,
    subject: `${d.check.subject.type}:${d.check.subject.id}`,
    action: d.check.action,
    resource: `${d.check.resource.type}:${d.check.resource.id}`,
    team: d.team ?? null,
    endpoint: d.endpoint ?? null,
    mode: d.decision.mode ?? 'enforce',
    allowed: d.decision.allowed,
    reason: d.decision.reason,
    policy_allowed: d.policy?.allowed ?? null,
    policy_reason: d.policy?.reason ?? null,
    policy_revision: d.decision.policyRevision,
    cache_hit: d.decision.cacheHit,
    check: d.check,
    latency_us: d.latencyUs === undefined ? null : storedLatencyUs(d.latencyUs),
  }),
};

const SHADOW: RowShape<ShadowRecord> = {
  columns: [
    ['team', 'text'],
    ['endpoint', 'text'],
    ['decision_id', 'uuid'],
    ['subject', 'text'],
    ['action', 'text'],
    ['resource', 'text'],
    ['legacy_allowed', 'boolean'],
    ['legacy_reason', 'text'],
    ['policy_allowed', 'boolean'],
    ['policy_reason', 'text'],
    ['policy_revision', 'text'],
    ['discrepancy', 'boolean'],
  ],
  row: r => ({
    team: r.team,
    endpoint: r.endpoint,
    decision_id: r.decisionId,
    subject: r.subject,
    action: r.action,
    resource: r.resource,
    legacy_allowed: r.legacyAllowed,
    legacy_reason: r.legacyReason ?? null,
    policy_allowed: r.policyAllowed,
    policy_reason: r.policyReason,
    policy_revision: r.policyRevision,
    discrepancy: r.legacyAllowed !== r.policyAllowed,
  }),
};

/**
 * `INSERT INTO table (columns) SELECT * FROM jsonb_to_recordset(one JSON array of the rows)`:
 * one parameter however many rows, serialised by JSON.stringify and parsed by Postgres (no
 * per-value escaping in the driver, no per-row placeholders for knex to expand).
 */
function insertRows<T>(
  table: string,
  shape: RowShape<T>,
  rows: readonly T[],
  bindings: unknown[],
): string {
  bindings.push(JSON.stringify(rows.map(shape.row)));
  const names = shape.columns.map(([name]) => `"${name}"`).join(', ');
  const types = shape.columns
    .map(([name, type]) => `"${name}" ${type}`)
    .join(', ');
  return `INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset(?::jsonb) AS r(${types})`;
}

/**
 * One group commit as ONE statement (one round trip, atomic, durable when it returns): the
 * decisions, their latency added to the minute's histograms, the shadow records and the
 * batch's events into the platform outbox (`outbox`, built by platform-node), as
 * data-modifying CTEs. The minute is the statement's `now()`, the clock of the rows'
 * `decided_at`, so the histograms always sum to the logged decisions of that minute; the
 * histogram rows go in a fixed order (misses, hits), so concurrent commits of several replicas
 * lock them in the same order.
 */
export function commitStatement(
  decisions: readonly LoggedDecision[],
  shadow: readonly ShadowRecord[],
  outbox?: { sql: string; bindings: unknown[] },
): { sql: string; bindings: unknown[] } {
  const bindings: unknown[] = [];
  const parts: string[] = [];
  if (decisions.length > 0) {
    parts.push(
      `decisions AS (${insertRows(
        'authz_decisions',
        DECISIONS,
        decisions,
        bindings,
      )})`,
    );
    const histograms = latencyHistograms(decisions);
    if (histograms.length > 0) {
      parts.push(`latency AS (
        INSERT INTO authz_decision_latency_minutes AS t (minute, cache_hit, decisions, buckets)
        VALUES ${histograms
          .map(() => "(date_trunc('minute', now()), ?, ?, ?::bigint[])")
          .join(', ')}
        ON CONFLICT (minute, cache_hit) DO UPDATE SET
          decisions = t.decisions + excluded.decisions,
          buckets = ARRAY(
            SELECT a + b
            FROM unnest(t.buckets, excluded.buckets) WITH ORDINALITY AS u(a, b, i)
            ORDER BY i
          ))`);
      for (const h of histograms)
        bindings.push(h.cacheHit, h.decisions, h.buckets);
    }
  }
  if (shadow.length > 0) {
    parts.push(
      `shadow AS (${insertRows(
        'authz_shadow_decisions',
        SHADOW,
        shadow,
        bindings,
      )})`,
    );
  }
  if (outbox) {
    parts.push(`outbox AS (${outbox.sql})`);
    bindings.push(...outbox.bindings);
  }
  return { sql: `WITH ${parts.join(',\n')}\nSELECT 1`, bindings };
}
