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
} from '@internal/plugin-platform-node';

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
  ) {}

  async ingest(
    deliveries: EventDelivery[],
  ): Promise<{ stored: number; deadLettered: number }> {
    if (deliveries.length === 0) return { stored: 0, deadLettered: 0 };
    return this.knex.transaction(async tx => {
      let stored = 0;
      let deadLettered = 0;
      for (const delivery of deliveries) {
        const violations = delivery.violations.length
          ? delivery.violations
          : this.registry.validate(delivery.payload);
        if (violations.length) {
          await this.deadLetter(tx, delivery.payload, violations);
          deadLettered++;
        } else {
          await this.append(tx, delivery.payload);
          stored++;
        }
      }
      return { stored, deadLettered };
    });
  }

  private async deadLetter(
    tx: Knex.Transaction,
    payload: Record<string, unknown>,
    violations: SchemaViolation[],
  ) {
    const name =
      typeof payload.name === 'string'
        ? payload.name.slice(0, 200)
        : '(missing)';
    await tx('platform_dead_letters').insert({
      event_id: isUuid(payload.event_id) ? payload.event_id : null,
      name,
      event_type: parseEventName(name)?.type ?? null,
      producer:
        typeof payload.producer === 'string'
          ? payload.producer.slice(0, 100)
          : '(missing)',
      payload: JSON.stringify(payload),
      violations: JSON.stringify(violations),
    });
  }

  private async append(
    tx: Knex.Transaction,
    payload: Record<string, any>,
  ): Promise<string> {
    const parsed = parseEventName(payload.name)!;
    const [row] = await tx('platform_events')
      .insert({
        event_id: payload.event_id,
        name: payload.name,
        event_type: parsed.type,
        version: parsed.version,
        occurred_at: payload.occurred_at,
        producer: payload.producer,
        user_id: payload.user_id ?? null,
        account_id: payload.account_id ?? null,
        anonymous_id: payload.anonymous_id ?? null,
        properties: JSON.stringify(payload.properties),
      })
      .returning('seq');
    if (parsed.type === 'identity.merged') {
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
    return String(row.seq);
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
  async read(options: { after?: string; limit: number; types?: string[] }) {
    if (options.after !== undefined && !/^\d+$/.test(options.after)) {
      throw new Error(
        `cursor must be a non-negative integer, got ${options.after}`,
      );
    }
    const query = this.selectEvents()
      .where('e.seq', '>', options.after ?? '0')
      .orderBy('e.seq', 'asc')
      .limit(options.limit);
    if (options.types?.length) query.whereIn('e.name', options.types);
    const rows = await query;
    const events = rows.map(toStoredEvent);
    return {
      events,
      nextCursor: events.length
        ? events[events.length - 1].cursor
        : options.after,
    };
  }

  /** Query with identity re-attribution (pre-auth events count for the merged user). */
  async query(q: EventQuery): Promise<StoredEvent[]> {
    const query = this.selectEvents()
      .orderBy('e.seq', 'asc')
      .limit(Math.min(q.limit ?? 500, 10_000));
    if (q.userId)
      query.whereRaw('COALESCE(e.user_id, m.user_id) = ?', [q.userId]);
    if (q.accountId) query.where('e.account_id', q.accountId);
    if (q.types?.length) query.whereIn('e.event_type', q.types);
    if (q.from) query.where('e.occurred_at', '>=', q.from);
    if (q.to) query.where('e.occurred_at', '<', q.to);
    return (await query).map(toStoredEvent);
  }

  /** Distinct events (by event_id) per type and time bucket. */
  async volume(options: {
    from: Date;
    to: Date;
    bucket: 'minute' | 'hour' | 'day';
  }): Promise<VolumePoint[]> {
    const rows = await this.knex('platform_events')
      .select(
        this.knex.raw('date_trunc(?, occurred_at) AS bucket', [options.bucket]),
        'event_type',
        this.knex.raw('count(DISTINCT event_id)::int AS count'),
      )
      .where('occurred_at', '>=', options.from)
      .andWhere('occurred_at', '<', options.to)
      .groupByRaw('1, 2')
      .orderByRaw('1, 2');
    return rows.map((r: any) => ({
      bucket: new Date(r.bucket).toISOString(),
      event_type: r.event_type,
      count: Number(r.count),
    }));
  }

  async deadLetters(
    options: { limit?: number; includeReplayed?: boolean } = {},
  ): Promise<DeadLetter[]> {
    const query = this.knex('platform_dead_letters')
      .orderBy('received_at', 'desc')
      .limit(Math.min(options.limit ?? 100, 1000));
    if (!options.includeReplayed) query.whereNull('replayed_at');
    return (await query).map(toDeadLetter);
  }

  async deadLetterCount(): Promise<{ open: number; replayed: number }> {
    const row: any = await this.knex('platform_dead_letters')
      .select(
        this.knex.raw(
          'count(*) FILTER (WHERE replayed_at IS NULL)::int AS open',
        ),
        this.knex.raw(
          'count(*) FILTER (WHERE replayed_at IS NOT NULL)::int AS replayed',
        ),
      )
      .first();
    return { open: Number(row.open), replayed: Number(row.replayed) };
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
    await this.knex.transaction(async tx => {
      const query = tx('platform_dead_letters')
        .orderBy('received_at', 'asc')
        .forUpdate();
      if (options.ids) query.whereIn('id', options.ids);
      const rows = await query;
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
          if (!options.dryRun) {
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
        if (!options.dryRun) {
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
    });
    return report;
  }
}

function toStoredEvent(r: any): StoredEvent {
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

function toDeadLetter(r: any): DeadLetter {
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
