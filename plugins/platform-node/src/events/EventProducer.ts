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
    const eventId = options.eventId ?? uuidv7();
    const envelope: EventEnvelope = stripNul({
      event_id: eventId,
      name,
      occurred_at: (options.occurredAt ?? new Date()).toISOString(),
      producer: this.options.producer,
      ...pickIdentity(identity),
      properties,
    });
    const violations = this.options.registry.validate(envelope as any);
    const row = {
      event_id: isUuid(eventId) ? eventId : uuidv7(),
      name: envelope.name.slice(0, 200),
      payload: JSON.stringify(envelope),
      violations: violations.length ? JSON.stringify(violations) : null,
    };
    const db = options.transaction ?? this.options.knex;
    await db('platform_event_outbox').insert(row);
    const labels = { event: row.name, producer: this.options.producer };
    if (violations.length) this.deadLettered.inc(labels);
    else this.emitted.inc(labels);
    if (options.transaction) {
      options.transaction.executionPromise.then(
        this.options.onWritten,
        () => {},
      );
    } else {
      this.options.onWritten?.();
    }
    return violations.length
      ? { accepted: false, eventId, violations }
      : { accepted: true, eventId };
  }
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
