import { Knex } from 'knex';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import { StoredEvent } from '@internal/plugin-platform-common';
import { EventSchemaRegistry } from './EventSchemaRegistry';
import { EventProducer } from './EventProducer';
import { OutboxRelay } from './OutboxRelay';
import { EventConsumer } from './EventConsumer';
import {
  migratePlatformNodeTables,
  rollbackPlatformNodeTables,
} from './migrations';
import { EventDelivery, EventSource, PlatformSink } from '../types';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

const registry = EventSchemaRegistry.fromPackage();
const identity = {
  user_id: '0b6d9f4e-8c1a-4e7b-9f2d-3a5c7e9b1d20',
  account_id: '5e8a1c3f-2d4b-4f6a-8b0c-1d3e5f7a9b2c',
};
const logger = mockServices.logger.mock();

/** A sink that records deliveries and can be told to fail. */
function recordingSink() {
  const deliveries: EventDelivery[] = [];
  let failures = 0;
  const sink: PlatformSink = {
    async ingestEvents(batch) {
      if (failures > 0) {
        failures--;
        throw new Error('platform unavailable');
      }
      deliveries.push(...batch);
    },
    async appendAudit() {},
    async ingestRollups() {},
  };
  return { sink, deliveries, failNext: (n: number) => (failures = n) };
}

/** An in-memory log standing in for the platform event log, holding duplicates as given. */
function memorySource(events: StoredEvent[]): EventSource {
  return {
    async read({ after, limit, types }) {
      const from = after ? Number(after) : 0;
      const page = events
        .filter(
          e => Number(e.cursor) > from && (!types || types.includes(e.name)),
        )
        .slice(0, limit);
      return {
        events: page,
        nextCursor: page.length ? page[page.length - 1].cursor : after,
      };
    },
  };
}

describe('transactional outbox, relay and consumers (real Postgres)', () => {
  let db: { knex: Knex };
  let metrics: Registry;
  let producer: EventProducer;

  beforeAll(async () => {
    db = { knex: await databases.init('POSTGRES_18') };
    await migratePlatformNodeTables(db.knex);
  });
  beforeEach(async () => {
    await db.knex('platform_event_outbox').delete();
    metrics = new Registry();
    producer = new EventProducer({
      knex: db.knex,
      producer: 'exports',
      registry,
      metrics,
    });
  });

  it('writes a valid event with a UUIDv7 event_id, occurred_at, producer and identity', async () => {
    const result = await producer.emit(
      'export.completed',
      registry.exampleProperties('export.completed')!,
      identity,
    );
    expect(result.accepted).toBe(true);
    expect(result.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const [row] = await db.knex('platform_event_outbox');
    expect(row.violations).toBeNull();
    expect(row.payload).toMatchObject({
      event_id: result.eventId,
      name: 'export.completed',
      producer: 'exports',
      ...identity,
    });
    expect(Date.parse(row.payload.occurred_at)).not.toBeNaN();
  });

  it('keeps an invalid event with its violations and counts it', async () => {
    const result = await producer.emit(
      'export.completed',
      { export_id: 'x' },
      identity,
    );
    expect(result.accepted).toBe(false);
    const [row] = await db.knex('platform_event_outbox');
    expect(row.violations.length).toBeGreaterThan(0);
    expect(row.violations[0]).toEqual(
      expect.objectContaining({
        instancePath: '/properties',
        schemaPath: expect.any(String),
      }),
    );
    const metric = await metrics
      .getSingleMetric('platform_events_dead_lettered_total')!
      .get();
    expect(metric.values).toEqual([
      expect.objectContaining({
        value: 1,
        labels: { event: 'export.completed', producer: 'exports' },
      }),
    ]);
  });

  it('strips U+0000 so Postgres accepts the outbox row', async () => {
    const props = {
      ...registry.exampleProperties('export.requested')!,
      export_id: 'a\u0000b',
    };
    // Before: jsonb refused the row ("unsupported Unicode escape sequence") and emit threw.
    const result = await producer.emit('export.requested', props, identity);
    expect(result.accepted).toBe(true);
    const [row] = await db.knex('platform_event_outbox');
    expect(row.payload.properties.export_id).toBe('ab');
  });

  it('delivers the rest of a batch the sink refuses, and dead-letters a row refused 3 times', async () => {
    const props = registry.exampleProperties('export.requested')!;
    for (const id of ['ok-1', 'poison', 'ok-2']) {
      await producer.emit(
        'export.requested',
        { ...props, export_id: id },
        identity,
      );
    }
    const received: EventDelivery[] = [];
    const sink: PlatformSink = {
      async ingestEvents(batch) {
        // Stands in for a row the platform database rejects on every attempt.
        if (
          batch.some(
            d =>
              (d.payload.properties as { export_id?: string }).export_id ===
                'poison' && d.violations.length === 0,
          )
        ) {
          throw new Error('invalid input syntax');
        }
        received.push(...batch);
      },
      async appendAudit() {},
      async ingestRollups() {},
    };
    const relay = new OutboxRelay({
      knex: db.knex,
      sink: async () => sink,
      logger,
      maxAttempts: 3,
    });
    // First refusal: the whole batch waits (the sink may just be down).
    await expect(relay.relayBatch()).rejects.toThrow('invalid input syntax');
    // Refused again: one by one, so the good rows get through.
    expect(await relay.relayBatch()).toBe(2);
    expect(
      received.map(
        d => (d.payload.properties as { export_id: string }).export_id,
      ),
    ).toEqual(['ok-1', 'ok-2']);
    expect(await relay.relayBatch()).toBe(1);
    const deadLetter = received[2];
    expect(deadLetter.payload.properties).toMatchObject({
      export_id: 'poison',
    });
    expect(deadLetter.violations).toEqual([
      expect.objectContaining({
        schemaPath: '#/delivery',
        message: expect.stringContaining(
          'refused by the platform event log 3 times',
        ),
      }),
    ]);
    expect(
      await db.knex('platform_event_outbox').count('* as n').first(),
    ).toEqual({
      n: '0',
    });
  });

  it('commits the event with the producer transaction, and not when it rolls back', async () => {
    const props = registry.exampleProperties('export.requested')!;
    await db.knex
      .transaction(async tx => {
        await producer.emit('export.requested', props, identity, {
          transaction: tx,
        });
        throw new Error('business change failed');
      })
      .catch(() => {});
    expect(
      await db.knex('platform_event_outbox').count('* as n').first(),
    ).toEqual({ n: '0' });
    await db.knex.transaction(async tx => {
      await producer.emit('export.requested', props, identity, {
        transaction: tx,
      });
    });
    expect(
      await db.knex('platform_event_outbox').count('* as n').first(),
    ).toEqual({ n: '1' });
  });

  it('emitMany writes many events, valid or not, as one INSERT in their order; counted once written', async () => {
    const valid = registry.exampleProperties('export.requested')!;
    const events = Array.from({ length: 300 }, (_, i) => ({
      name: 'export.requested',
      properties: i % 100 === 7 ? { export_id: 'x' } : valid,
      identity,
    }));
    const statements: string[] = [];
    const record = (q: { sql: string }) => statements.push(q.sql);
    db.knex.on('query', record);
    let results;
    try {
      results = await producer.emitMany(events);
    } finally {
      db.knex.off('query', record);
    }
    expect(statements).toEqual([
      expect.stringContaining('INSERT INTO platform_event_outbox'),
    ]);
    const rows = await db.knex('platform_event_outbox').orderBy('id');
    expect(rows.map(r => r.payload.event_id)).toEqual(
      results.map(r => r.eventId),
    );
    expect(rows.filter(r => r.violations !== null).length).toBe(3);
    expect(results.filter(r => !r.accepted).length).toBe(3);
    const value = async (name: string) =>
      (await metrics.getSingleMetric(name)!.get()).values[0]?.value;
    expect(await value('platform_events_emitted_total')).toBe(297);
    expect(await value('platform_events_dead_lettered_total')).toBe(3);
  });

  it('prepare: the caller inserts the events in a statement of its own; written() counts them and nudges the relay', async () => {
    let nudges = 0;
    const nudged = new EventProducer({
      knex: db.knex,
      producer: 'exports',
      registry,
      metrics,
      onWritten: () => nudges++,
    });
    const props = registry.exampleProperties('export.requested')!;
    const prepared = nudged.prepare([
      { name: 'export.requested', properties: props, identity },
      { name: 'export.requested', properties: props, identity },
    ]);
    const insert = prepared.insert()!;
    await db.knex.raw(
      `WITH events AS (${insert.sql}) SELECT 1`,
      insert.bindings as Knex.RawBinding[],
    );
    expect(nudges).toBe(0);
    prepared.written();
    prepared.written(); // once only
    expect(nudges).toBe(1);
    const rows = await db.knex('platform_event_outbox').orderBy('id');
    expect(rows.map(r => r.payload.event_id)).toEqual(
      prepared.results.map(r => r.eventId),
    );
    expect(
      (await metrics.getSingleMetric('platform_events_emitted_total')!.get())
        .values[0].value,
    ).toBe(2);
    expect(nudged.prepare([]).insert()).toBeUndefined();
  });

  it('relays at least once: a failed delivery stays in the outbox and is sent again', async () => {
    const { sink, deliveries, failNext } = recordingSink();
    const relay = new OutboxRelay({
      knex: db.knex,
      sink: async () => sink,
      logger,
      batchSize: 2,
    });
    for (let i = 0; i < 3; i++) {
      await producer.emit(
        'filter.applied',
        registry.exampleProperties('filter.applied')!,
        identity,
      );
    }
    await producer.emit('filter.applied', {}, identity); // invalid: travels with its violations
    failNext(1);
    await expect(relay.drain()).rejects.toThrow('platform unavailable');
    const kept = await db.knex('platform_event_outbox').orderBy('id');
    expect(kept).toHaveLength(4);
    expect(kept[0]).toMatchObject({
      attempts: 1,
      last_error: expect.stringContaining('unavailable'),
    });
    expect(await relay.drain()).toBe(4);
    expect(deliveries).toHaveLength(4);
    expect(deliveries.filter(d => d.violations.length > 0)).toHaveLength(1);
    expect(
      await db.knex('platform_event_outbox').count('* as n').first(),
    ).toEqual({ n: '0' });
  });

  it('delivers nothing and keeps everything while no platform sink is there', async () => {
    const relay = new OutboxRelay({
      knex: db.knex,
      sink: async () => undefined,
      logger,
    });
    await producer.emit(
      'filter.applied',
      registry.exampleProperties('filter.applied')!,
      identity,
    );
    expect(await relay.drain()).toBe(0);
    expect(
      await db.knex('platform_event_outbox').count('* as n').first(),
    ).toEqual({ n: '1' });
  });

  describe('consumers', () => {
    const stored = (
      cursor: number,
      eventId: string,
      name = 'export.completed',
    ): StoredEvent => ({
      cursor: String(cursor),
      event_id: eventId,
      name,
      occurred_at: new Date().toISOString(),
      received_at: new Date().toISOString(),
      producer: 'exports',
      properties: {},
      reattributed: false,
    });

    it('hands a duplicated event_id to each consumer once, and resumes from its cursor', async () => {
      const a = uuidv7();
      const b = uuidv7();
      const log = [
        stored(1, a),
        stored(2, b),
        stored(3, a) /* producer retry */,
      ];
      const seen: Record<string, string[]> = { billing: [], sre: [] };
      const consumers = ['billing', 'sre'].map(
        name =>
          new EventConsumer({
            consumer: name,
            knex: db.knex,
            source: async () => memorySource(log),
            logger,
            handler: async e => {
              seen[name].push(e.event_id);
            },
          }),
      );
      for (const c of consumers) {
        expect(await c.poll()).toEqual({ handled: 2, duplicates: 1 });
      }
      expect(seen).toEqual({ billing: [a, b], sre: [a, b] });
      // Nothing new: nothing handled again.
      expect(await consumers[0].poll()).toEqual({ handled: 0, duplicates: 0 });
      log.push(stored(4, b)); // a redelivery within 24 h
      log.push(stored(5, uuidv7()));
      expect(await consumers[0].poll()).toEqual({ handled: 1, duplicates: 1 });
    });

    it('retries an event whose handler failed, without skipping it', async () => {
      const id = uuidv7();
      const log = [stored(1, id)];
      let calls = 0;
      const consumer = new EventConsumer({
        consumer: 'flaky',
        knex: db.knex,
        source: async () => memorySource(log),
        logger,
        handler: async () => {
          calls++;
          if (calls === 1) throw new Error('downstream down');
        },
      });
      await expect(consumer.poll()).rejects.toThrow('downstream down');
      expect(await consumer.poll()).toEqual({ handled: 1, duplicates: 0 });
      expect(calls).toBe(2);
    });

    it('forgets event_ids after the 24 h dedupe window', async () => {
      const id = uuidv7();
      let now = new Date('2026-01-01T00:00:00Z');
      const log = [stored(1, id)];
      const consumer = new EventConsumer({
        consumer: 'windowed',
        knex: db.knex,
        source: async () => memorySource(log),
        logger,
        now: () => now,
        handler: async () => {},
      });
      expect(await consumer.poll()).toEqual({ handled: 1, duplicates: 0 });
      now = new Date('2026-01-02T01:00:00Z');
      log.push(stored(2, id));
      expect(await consumer.poll()).toEqual({ handled: 1, duplicates: 0 });
    });
  });

  it('migrates down and up again', async () => {
    await rollbackPlatformNodeTables(db.knex);
    expect(await db.knex.schema.hasTable('platform_event_outbox')).toBe(false);
    await migratePlatformNodeTables(db.knex);
    expect(await db.knex.schema.hasTable('platform_event_outbox')).toBe(true);
  });
});
