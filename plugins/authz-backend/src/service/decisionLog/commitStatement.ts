import type { LoggedDecision } from '../DecisionLog';
import type { ShadowRecord } from '../ShadowStore';
import { latencyHistograms, storedLatencyUs } from './latencyHistograms';

/** A column of a table, its Postgres type and its value for a row. */
type Column<T> = [name: string, type: string, value: (row: T) => unknown];

const subjectOf = (d: LoggedDecision) =>
  `${d.check.subject.type}:${d.check.subject.id}`;
const resourceOf = (d: LoggedDecision) =>
  `${d.check.resource.type}:${d.check.resource.id}`;

const DECISION_COLUMNS: Column<LoggedDecision>[] = [
  ['decision_id', 'uuid', d => d.decision.decisionId],
  ['caller', 'text', d => d.caller],
  ['subject', 'text', subjectOf],
  ['action', 'text', d => d.check.action],
  ['resource', 'text', resourceOf],
  ['team', 'text', d => d.team ?? null],
  ['endpoint', 'text', d => d.endpoint ?? null],
  ['mode', 'text', d => d.decision.mode ?? 'enforce'],
  ['allowed', 'boolean', d => d.decision.allowed],
  ['reason', 'text', d => d.decision.reason],
  ['policy_allowed', 'boolean', d => d.policy?.allowed ?? null],
  ['policy_reason', 'text', d => d.policy?.reason ?? null],
  ['policy_revision', 'text', d => d.decision.policyRevision],
  ['cache_hit', 'boolean', d => d.decision.cacheHit],
  ['check', 'jsonb', d => d.check],
  [
    'latency_us',
    'integer',
    d => (d.latencyUs === undefined ? null : storedLatencyUs(d.latencyUs)),
  ],
];

const SHADOW_COLUMNS: Column<ShadowRecord>[] = [
  ['team', 'text', r => r.team],
  ['endpoint', 'text', r => r.endpoint],
  ['decision_id', 'uuid', r => r.decisionId],
  ['subject', 'text', r => r.subject],
  ['action', 'text', r => r.action],
  ['resource', 'text', r => r.resource],
  ['legacy_allowed', 'boolean', r => r.legacyAllowed],
  ['legacy_reason', 'text', r => r.legacyReason ?? null],
  ['policy_allowed', 'boolean', r => r.policyAllowed],
  ['policy_reason', 'text', r => r.policyReason],
  ['policy_revision', 'text', r => r.policyRevision],
  ['discrepancy', 'boolean', r => r.legacyAllowed !== r.policyAllowed],
];

/**
 * `INSERT INTO table (columns) SELECT * FROM jsonb_to_recordset(one JSON array of the rows)`:
 * one parameter however many rows, serialised by JSON.stringify and parsed by Postgres (no
 * per-value escaping in the driver, no per-row placeholders for knex to expand).
 */
function insertRows<T>(
  table: string,
  columns: Column<T>[],
  rows: readonly T[],
  bindings: unknown[],
): string {
  const records = new Array<Record<string, unknown>>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const record: Record<string, unknown> = {};
    for (const [name, , value] of columns) record[name] = value(rows[r]);
    records[r] = record;
  }
  bindings.push(JSON.stringify(records));
  const names = columns.map(([name]) => `"${name}"`).join(', ');
  const types = columns.map(([name, type]) => `"${name}" ${type}`).join(', ');
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
        DECISION_COLUMNS,
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
        SHADOW_COLUMNS,
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
