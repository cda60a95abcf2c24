import { Knex } from 'knex';
import { v7 as uuidv7 } from 'uuid';
import { Counter, Registry } from 'prom-client';
import {
  EventIdentity,
  EventEnvelope,
  SchemaViolation,
} from '@internal/plugin-platform-common';
import { EventSchemaRegistry } from './EventSchemaRegistry';
import { singletonMetric } from '../metrics';
import { stripNul } from './stripNul';

export interface EmitOptions {
  /** The producer's own transaction: the event commits (or rolls back) with its change. */
  transaction?: Knex.Transaction;
  /** When the action completed; defaults to now. */
  occurredAt?: Date;
  /** A producer-chosen UUIDv7, e.g. to make a retried action emit the same event. */
  eventId?: string;
}

export type EmitResult =
  | { accepted: true; eventId: string }
  | { accepted: false; eventId: string; violations: SchemaViolation[] };

/**
 * Producer side of the event contract. `emit` builds the envelope (UUIDv7 event_id,
 * occurred_at, producer, identity fields), validates it against the schema registry and writes
 * it to the producer's outbox table — valid or not: invalid events travel with their
 * violations and land in the platform dead-letter table, never dropped.
 */
export class EventProducer {
  private readonly deadLettered: Counter<'event' | 'producer'>;
  private readonly emitted: Counter<'event' | 'producer'>;

  constructor(
    private readonly options: {
      knex: Knex;
      producer: string;
      registry: EventSchemaRegistry;
      metrics: Registry;
      /** Called after an emit outside a transaction commits, to nudge the relay. */
      onWritten?: () => void;
    },
  ) {
    this.deadLettered = singletonMetric(
      options.metrics,
      'platform_events_dead_lettered_total',
      () =>
        new Counter({
          name: 'platform_events_dead_lettered_total',
          help: 'Events that failed schema validation at production time and went to the dead-letter table',
          labelNames: ['event', 'producer'],
          registers: [options.metrics],
        }),
    );
    this.emitted = singletonMetric(
      options.metrics,
      'platform_events_emitted_total',
      () =>
        new Counter({
          name: 'platform_events_emitted_total',
          help: 'Valid events written to a producer outbox',
          labelNames: ['event', 'producer'],
          registers: [options.metrics],
        }),
    );
  }

  async emit(
    name: string,
    properties: Record<string, unknown>,
    identity: EventIdentity,
    options: EmitOptions = {},
  ): Promise<EmitResult> {
    const [result] = await this.emitMany(
      [
        {
          name,
          properties,
          identity,
          occurredAt: options.occurredAt,
          eventId: options.eventId,
        },
      ],
      options,
    );
    return result;
  }

  /** Several events as one multi-row outbox INSERT (each validated like `emit`). */
  async emitMany(
    events: readonly EventToEmit[],
    options: Pick<EmitOptions, 'transaction'> = {},
  ): Promise<EmitResult[]> {
    const prepared = this.prepare(events);
    const statement = prepared.insert();
    if (!statement) return prepared.results;
    const db = options.transaction ?? this.options.knex;
    await db.raw(statement.sql, statement.bindings as Knex.RawBinding[]);
    if (options.transaction) {
      options.transaction.executionPromise.then(
        () => prepared.written(),
        () => {},
      );
    } else {
      prepared.written();
    }
    return prepared.results;
  }

  /**
   * Builds and validates the events' outbox rows for a statement of the caller's own (e.g. a
   * data-modifying CTE of a group commit): the events commit with it, with no extra round trip.
   * Call `written()` once that statement committed.
   */
  prepare(events: readonly EventToEmit[]): PreparedEvents {
    const rows: OutboxRow[] = [];
    const results: EmitResult[] = [];
    for (const event of events) {
      const eventId = event.eventId ?? uuidv7();
      const envelope: EventEnvelope = stripNul({
        event_id: eventId,
        name: event.name,
        occurred_at: (event.occurredAt ?? new Date()).toISOString(),
        producer: this.options.producer,
        ...pickIdentity(event.identity),
        properties: event.properties,
      });
      const violations = this.options.registry.validate(envelope as any);
      rows.push({
        event_id: isUuid(eventId) ? eventId : uuidv7(),
        name: envelope.name.slice(0, 200),
        payload: envelope,
        violations: violations.length ? violations : null,
      });
      results.push(
        violations.length
          ? { accepted: false, eventId, violations }
          : { accepted: true, eventId },
      );
    }
    const statement = rows.length ? outboxInsert(rows) : undefined;
    let counted = false;
    return {
      results,
      insert: () => statement,
      written: () => {
        if (counted || rows.length === 0) return;
        counted = true;
        // one labelled inc per event name and outcome (each inc hashes its labels)
        const counts = new Map<string, { valid: number; invalid: number }>();
        for (const row of rows) {
          let count = counts.get(row.name);
          if (!count) counts.set(row.name, (count = { valid: 0, invalid: 0 }));
          if (row.violations) count.invalid++;
          else count.valid++;
        }
        for (const [event, { valid, invalid }] of counts) {
          const labels = { event, producer: this.options.producer };
          if (valid) this.emitted.inc(labels, valid);
          if (invalid) this.deadLettered.inc(labels, invalid);
        }
        this.options.onWritten?.();
      },
    };
  }
}

/** One event for `emitMany` / `prepare`. */
export interface EventToEmit {
  name: string;
  properties: Record<string, unknown>;
  identity: EventIdentity;
  /** When the action completed; defaults to now. */
  occurredAt?: Date;
  /** A producer-chosen UUIDv7. */
  eventId?: string;
}

/** Events built and validated, to be written to the outbox by a statement of the caller's. */
export interface PreparedEvents {
  /** Per event, in order: accepted, or its schema violations (it still goes to the outbox). */
  readonly results: EmitResult[];
  /**
   * `INSERT INTO platform_event_outbox ...` of all the events (`?` placeholders, for
   * `knex.raw` or as a data-modifying CTE); undefined when there is nothing to write.
   */
  insert(): { sql: string; bindings: unknown[] } | undefined;
  /** Call once the insert committed: counts the events and nudges the relay. */
  written(): void;
}

interface OutboxRow {
  event_id: string;
  name: string;
  payload: EventEnvelope;
  violations: SchemaViolation[] | null;
}

/**
 * All rows as one parameter (a JSON array read by jsonb_to_recordset): one statement however
 * many events, no per-value escaping in the driver. Ids follow the order of the events (the
 * relay delivers in id order).
 */
function outboxInsert(rows: OutboxRow[]): { sql: string; bindings: unknown[] } {
  return {
    sql: `INSERT INTO platform_event_outbox (event_id, name, payload, violations)
      SELECT event_id, name, payload, violations
      FROM ROWS FROM (jsonb_to_recordset(?::jsonb) AS (event_id uuid, name text, payload jsonb, violations jsonb))
        WITH ORDINALITY AS r(event_id, name, payload, violations, n)
      ORDER BY n`,
    bindings: [JSON.stringify(rows)],
  };
}

function pickIdentity(identity: EventIdentity): EventIdentity {
  const out: EventIdentity = {};
  if (identity.user_id !== undefined) out.user_id = identity.user_id;
  if (identity.account_id !== undefined) out.account_id = identity.account_id;
  if (identity.anonymous_id !== undefined)
    out.anonymous_id = identity.anonymous_id;
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
