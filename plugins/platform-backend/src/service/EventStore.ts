import { Knex } from 'knex';
import {
  DeadLetter,
  parseEventName,
  ReplayReport,
  SchemaViolation,
  StoredEvent,
  VolumePoint,
} from '@internal/plugin-platform-common';
import {
  EventDelivery,
  EventSchemaRegistry,
  EventSource,
  isUuid,
  stripNul,
} from '@internal/plugin-platform-node';
import { AccountScope } from './accountScope';
import { withStatementTimeout } from './statementTimeout';

const EVENT_COLUMNS = [
  'e.seq',
  'e.event_id',
  'e.name',
  'e.occurred_at',
  'e.received_at',
  'e.producer',
  'e.user_id',
  'e.account_id',
  'e.anonymous_id',
  'e.properties',
];

export interface EventQuery {
  /** Matches events of this user, including pre-auth events re-attributed by identity.merged. */
  userId?: string;
  accountId?: string;
  types?: string[];
  from?: Date;
  to?: Date;
  limit?: number;
  /** Only events after this cursor (the log's seq), for paging. */
  after?: string;
  /** Accounts the caller may read; events of other accounts (or none) stay hidden. */
  accounts?: AccountScope;
}

/** A row of platform_events joined with its identity merge. */
export interface DbEventRow {
  seq: string;
  event_id: string;
  name: string;
  occurred_at: Date;
  received_at: Date;
  producer: string;
  user_id: string | null;
  account_id: string | null;
  anonymous_id: string | null;
  properties: Record<string, unknown>;
  resolved_user_id: string | null;
  reattributed: boolean;
}

/** A row of platform_dead_letters. */
export interface DbDeadLetterRow {
  id: string;
  event_id: string | null;
  name: string;
  event_type: string | null;
  producer: string;
  payload: Record<string, unknown>;
  violations: SchemaViolation[];
  received_at: Date;
  replay_attempts: number;
  last_replay_at: Date | null;
  replayed_at: Date | null;
  replayed_seq: string | null;
}

/** Dead letters replayed per transaction when no ids are given. */
export const REPLAY_BATCH_SIZE = 500;

/** Restricts a query to the accounts in scope (nothing when the scope is empty). */
function scopeToAccounts(
  query: Knex.QueryBuilder,
  column: string,
  scope: AccountScope | undefined,
) {
  if (scope === undefined || scope === 'all') return query;
  if (scope.length === 0) return query.whereRaw('false');
  return query.whereIn(column, [...scope]);
}

/**
 * The central event log, dead-letter table and identity merges in the platform database.
 * Events are validated again on the way in (the registry here may be newer than a
 * producer's); whatever fails goes to the dead-letter table with its violations.
 */
export class EventStore implements EventSource {
  constructor(
    private readonly knex: Knex,
    private readonly registry: EventSchemaRegistry,
    private readonly options: {
      statementTimeoutMs?: number;
      replayBatchSize?: number;
    } = {},
  ) {}

  /** Runs a read in a transaction whose statements time out (so a request cannot run away). */
  private bounded<T>(
    fn: (tx: Knex.Transaction) => Promise<T> | Knex.QueryBuilder,
  ) {
    return withStatementTimeout<T>(
      this.knex,
      this.options.statementTimeoutMs,
      fn,
    );
  }

  /**
   * Stores a relayed batch in one transaction: the valid events as one multi-row insert (in
   * delivery order), identity merges after them in order, the rest as dead letters in one insert.
   */
  async ingest(
    deliveries: EventDelivery[],
  ): Promise<{ stored: number; deadLettered: number }> {
    if (deliveries.length === 0) return { stored: 0, deadLettered: 0 };
    const valid: Record<string, any>[] = [];
    const invalid: Array<{
      payload: Record<string, unknown>;
      violations: SchemaViolation[];
    }> = [];
    for (const delivery of deliveries) {
      const payload = stripNul(delivery.payload);
      const violations = delivery.violations.length
        ? stripNul(delivery.violations)
        : this.registry.validate(payload);
      if (violations.length) invalid.push({ payload, violations });
      else valid.push(payload);
    }
    return this.knex.transaction(async tx => {
      if (valid.length > 0) {
        await tx.raw(
          `INSERT INTO platform_events (event_id, name, event_type, version, occurred_at, producer, user_id, account_id, anonymous_id, properties)
          SELECT event_id, name, event_type, version, occurred_at, producer, user_id, account_id, anonymous_id, properties
          FROM ROWS FROM (jsonb_to_recordset(?::jsonb) AS (event_id uuid, name text, event_type text, version integer, occurred_at timestamptz, producer text, user_id text, account_id uuid, anonymous_id uuid, properties jsonb))
            WITH ORDINALITY AS r(event_id, name, event_type, version, occurred_at, producer, user_id, account_id, anonymous_id, properties, n)
          ORDER BY n`,
          [JSON.stringify(valid.map(eventRow))],
        );
        for (const payload of valid) {
          if (parseEventName(payload.name)!.type === 'identity.merged')
            await this.recordMerge(tx, payload);
        }
      }
      if (invalid.length > 0) {
        await tx('platform_dead_letters').insert(
          invalid.map(({ payload, violations }) =>
            deadLetterRow(payload, violations),
          ),
        );
      }
      return { stored: valid.length, deadLettered: invalid.length };
    });
  }

  private async append(
    tx: Knex.Transaction,
    payload: Record<string, any>,
  ): Promise<string> {
    const row = eventRow(payload);
    const [inserted] = await tx('platform_events')
      .insert({ ...row, properties: JSON.stringify(row.properties) })
      .returning('seq');
    if (row.event_type === 'identity.merged')
      await this.recordMerge(tx, payload);
    return String(inserted.seq);
  }

  private async recordMerge(
    tx: Knex.Transaction,
    payload: Record<string, any>,
  ) {
    await tx('platform_identity_merges')
      .insert({
        anonymous_id: payload.anonymous_id,
        user_id: payload.user_id,
        account_id: payload.account_id ?? null,
        event_id: payload.event_id,
        merged_at: payload.occurred_at,
      })
      .onConflict('anonymous_id')
      .merge();
  }

  private selectEvents(db: Knex | Knex.Transaction = this.knex) {
    return db('platform_events as e')
      .leftJoin(
        'platform_identity_merges as m',
        'm.anonymous_id',
        'e.anonymous_id',
      )
      .select(
        ...EVENT_COLUMNS,
        db.raw('COALESCE(e.user_id, m.user_id) AS resolved_user_id'),
        db.raw('(e.user_id IS NULL AND m.user_id IS NOT NULL) AS reattributed'),
      );
  }

  /** Delivery order after a cursor (the log's seq). */
  async read(options: {
    after?: string;
    limit: number;
    types?: string[];
    accounts?: AccountScope;
  }) {
    if (options.after !== undefined && !/^\d+$/.test(options.after)) {
      throw new Error(
        `cursor must be a non-negative integer, got ${options.after}`,
      );
    }
    const rows: DbEventRow[] = await this.bounded(tx => {
      const query = this.selectEvents(tx)
        .where('e.seq', '>', options.after ?? '0')
        .orderBy('e.seq', 'asc')
        .limit(options.limit);
      if (options.types?.length) query.whereIn('e.name', options.types);
      return scopeToAccounts(query, 'e.account_id', options.accounts);
    });
    const events = rows.map(toStoredEvent);
    return {
      events,
      nextCursor: events.length
        ? events[events.length - 1].cursor
        : options.after,
    };
  }

  /**
   * Query with identity re-attribution (pre-auth events count for the merged user). The
   * user filter is written so Postgres can use platform_events_user_idx and the merges'
   * user index rather than scanning the log.
   */
  async query(q: EventQuery): Promise<StoredEvent[]> {
    const rows: DbEventRow[] = await this.bounded(tx => {
      const query = this.selectEvents(tx)
        .orderBy('e.seq', 'asc')
        .limit(Math.min(q.limit ?? 500, 10_000));
      if (q.userId) {
        const userId = q.userId;
        query.where(w =>
          w
            .where('e.user_id', userId)
            .orWhere(o =>
              o
                .whereNull('e.user_id')
                .whereIn(
                  'e.anonymous_id',
                  tx('platform_identity_merges')
                    .select('anonymous_id')
                    .where('user_id', userId),
                ),
            ),
        );
      }
      if (q.after) query.where('e.seq', '>', q.after);
      if (q.accountId) query.where('e.account_id', q.accountId);
      if (q.types?.length) query.whereIn('e.event_type', q.types);
      if (q.from) query.where('e.occurred_at', '>=', q.from);
      if (q.to) query.where('e.occurred_at', '<', q.to);
      return scopeToAccounts(query, 'e.account_id', q.accounts);
    });
    return rows.map(toStoredEvent);
  }

  /** Distinct events (by event_id) per type and time bucket. */
  async volume(options: {
    from: Date;
    to: Date;
    bucket: 'minute' | 'hour' | 'day';
  }): Promise<VolumePoint[]> {
    const rows: { bucket: Date; event_type: string; count: number }[] =
      await this.bounded(tx =>
        tx('platform_events')
          .select(
            tx.raw('date_trunc(?, occurred_at) AS bucket', [options.bucket]),
            'event_type',
            tx.raw('count(DISTINCT event_id)::int AS count'),
          )
          .where('occurred_at', '>=', options.from)
          .andWhere('occurred_at', '<', options.to)
          .groupByRaw('1, 2')
          .orderByRaw('1, 2'),
      );
    return rows.map(r => ({
      bucket: new Date(r.bucket).toISOString(),
      event_type: r.event_type,
      count: Number(r.count),
    }));
  }

  /** Newest first; payloads only of the accounts in scope (by the payload's account_id). */
  async deadLetters(
    options: {
      limit?: number;
      includeReplayed?: boolean;
      accounts?: AccountScope;
    } = {},
  ): Promise<DeadLetter[]> {
    const rows: DbDeadLetterRow[] = await this.bounded(tx => {
      const query = tx('platform_dead_letters')
        .orderBy('received_at', 'desc')
        .limit(Math.min(options.limit ?? 100, 1000));
      if (!options.includeReplayed) query.whereNull('replayed_at');
      return scopeToAccounts(
        query,
        tx.raw("payload->>'account_id'") as unknown as string,
        options.accounts,
      );
    });
    return rows.map(toDeadLetter);
  }

  async deadLetterCount(): Promise<{ open: number; replayed: number }> {
    const row: { open: number; replayed: number } | undefined =
      await this.bounded(tx =>
        tx('platform_dead_letters')
          .select(
            tx.raw('count(*) FILTER (WHERE replayed_at IS NULL)::int AS open'),
            tx.raw(
              'count(*) FILTER (WHERE replayed_at IS NOT NULL)::int AS replayed',
            ),
          )
          .first(),
      );
    return {
      open: Number(row?.open ?? 0),
      replayed: Number(row?.replayed ?? 0),
    };
  }

  /**
   * Re-validates dead letters against the current registry and moves the valid ones into the
   * log. Idempotent: replayed rows are marked in the same transaction and skipped next time,
   * and an event_id already in the log is not written again. Dry run reports without writing.
   */
  async replay(options: {
    ids?: string[];
    dryRun: boolean;
  }): Promise<ReplayReport> {
    const report: ReplayReport = {
      dryRun: options.dryRun,
      examined: 0,
      replayed: 0,
      stillInvalid: 0,
      alreadyReplayed: 0,
      alreadyInLog: 0,
    };
    if (options.ids) {
      await this.knex.transaction(tx =>
        this.replayRows(tx, options.dryRun, report, q =>
          q.whereIn('id', options.ids!),
        ),
      );
      return report;
    }
    // Without ids: every dead letter, one batch per transaction (keyset on time, id).
    let after: string | undefined;
    for (;;) {
      const cursor = after;
      const last = await this.knex.transaction(tx =>
        this.replayRows(tx, options.dryRun, report, q => {
          q.limit(this.options.replayBatchSize ?? REPLAY_BATCH_SIZE);
          if (cursor) {
            // Compare in SQL: JavaScript dates would drop the microseconds of received_at.
            q.whereRaw(
              '(received_at, id) > (SELECT d.received_at, d.id FROM platform_dead_letters d WHERE d.id = ?)',
              [cursor],
            );
          }
          return q;
        }),
      );
      if (!last) break;
      after = last;
    }
    return report;
  }

  /** Replays the dead letters `select` picks, in order; returns the id of the last one. */
  private async replayRows(
    tx: Knex.Transaction,
    dryRun: boolean,
    report: ReplayReport,
    select: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
  ): Promise<string | undefined> {
    const rows: DbDeadLetterRow[] = await select(
      tx('platform_dead_letters')
        .orderBy([
          { column: 'received_at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ])
        .forUpdate(),
    );
    const now = new Date();
    for (const row of rows) {
      report.examined++;
      if (row.replayed_at) {
        report.alreadyReplayed++;
        continue;
      }
      const violations = this.registry.validate(row.payload);
      if (violations.length) {
        report.stillInvalid++;
        if (!dryRun) {
          await tx('platform_dead_letters')
            .where({ id: row.id })
            .update({
              violations: JSON.stringify(violations),
              replay_attempts: tx.raw('replay_attempts + 1'),
              last_replay_at: now,
            });
        }
        continue;
      }
      const existing = await tx('platform_events')
        .where({ event_id: row.payload.event_id })
        .first('seq');
      if (existing) report.alreadyInLog++;
      else report.replayed++;
      if (!dryRun) {
        const seq = existing
          ? String(existing.seq)
          : await this.append(tx, row.payload);
        await tx('platform_dead_letters')
          .where({ id: row.id })
          .update({
            replayed_at: now,
            replayed_seq: seq,
            replay_attempts: tx.raw('replay_attempts + 1'),
            last_replay_at: now,
          });
      }
    }
    const last = rows[rows.length - 1];
    return last?.id;
  }
}

/** A valid event's platform_events row. */
function eventRow(payload: Record<string, any>) {
  const parsed = parseEventName(payload.name)!;
  return {
    event_id: payload.event_id,
    name: payload.name,
    event_type: parsed.type,
    version: parsed.version,
    occurred_at: payload.occurred_at,
    producer: payload.producer,
    user_id: payload.user_id ?? null,
    account_id: payload.account_id ?? null,
    anonymous_id: payload.anonymous_id ?? null,
    properties: payload.properties,
  };
}

function deadLetterRow(
  payload: Record<string, unknown>,
  violations: SchemaViolation[],
) {
  const name =
    typeof payload.name === 'string' ? payload.name.slice(0, 200) : '(missing)';
  return {
    event_id: isUuid(payload.event_id) ? payload.event_id : null,
    name,
    event_type: parseEventName(name)?.type ?? null,
    producer:
      typeof payload.producer === 'string'
        ? payload.producer.slice(0, 100)
        : '(missing)',
    payload: JSON.stringify(payload),
    violations: JSON.stringify(violations),
  };
}

function toStoredEvent(r: DbEventRow): StoredEvent {
  return {
    cursor: String(r.seq),
    event_id: r.event_id,
    name: r.name,
    occurred_at: new Date(r.occurred_at).toISOString(),
    received_at: new Date(r.received_at).toISOString(),
    producer: r.producer,
    ...(r.user_id ? { user_id: r.user_id } : {}),
    ...(r.account_id ? { account_id: r.account_id } : {}),
    ...(r.anonymous_id ? { anonymous_id: r.anonymous_id } : {}),
    properties: r.properties,
    ...(r.resolved_user_id ? { resolved_user_id: r.resolved_user_id } : {}),
    reattributed: Boolean(r.reattributed),
  };
}

function toDeadLetter(r: DbDeadLetterRow): DeadLetter {
  return {
    id: r.id,
    ...(r.event_id ? { event_id: r.event_id } : {}),
    name: r.name,
    producer: r.producer,
    payload: r.payload,
    violations: r.violations,
    received_at: new Date(r.received_at).toISOString(),
    replay_attempts: r.replay_attempts,
    ...(r.replayed_at
      ? { replayed_at: new Date(r.replayed_at).toISOString() }
      : {}),
  };
}
