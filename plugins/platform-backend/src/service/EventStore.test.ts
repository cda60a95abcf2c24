import { mockServices } from '@backstage/backend-test-utils';
import { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import { Knex } from 'knex';
import {
  EventConsumer,
  EventProducer,
  EventSchemaRegistry,
  migratePlatformNodeTables,
  OutboxRelay,
  PlatformSink,
} from '@internal/plugin-platform-node';
import { EventStore } from './EventStore';
import { QaChecks } from './QaChecks';
import {
  platformTestDatabases,
  TEST_IDENTITY,
} from '../__testUtils__/platformTestDatabase';

jest.setTimeout(60_000);

const databases = platformTestDatabases();

const registry = EventSchemaRegistry.fromPackage();
const example = (name: string) => registry.exampleProperties(name)!;
const logger = mockServices.logger.mock();

describe('event contract end to end (real Postgres)', () => {
  let db: { knex: Knex };
  let store: EventStore;
  let producer: EventProducer;
  let relay: OutboxRelay;

  beforeAll(async () => {
    db = { knex: await databases.init() };
    await migratePlatformNodeTables(db.knex); // the producer's outbox, here in the same database
  });

  beforeEach(async () => {
    for (const t of [
      'platform_events',
      'platform_dead_letters',
      'platform_identity_merges',
      'platform_qa_results',
      'platform_event_outbox',
      'platform_event_consumer_seen',
      'platform_event_consumer_cursors',
    ]) {
      await db.knex(t).delete();
    }
    store = new EventStore(db.knex, registry);
    const sink: PlatformSink = {
      ingestEvents: async d => {
        await store.ingest(d);
      },
      appendAudit: async () => {},
      ingestRollups: async () => {},
    };
    relay = new OutboxRelay({ knex: db.knex, sink: async () => sink, logger });
    producer = new EventProducer({
      knex: db.knex,
      producer: 'exports',
      registry,
      metrics: new Registry(),
    });
  });

  it('sends a schema violation to the dead-letter table with its reason', async () => {
    const { row_count, ...missing } = example('export.completed');
    expect(row_count).toBeDefined();
    await producer.emit('export.completed', missing, TEST_IDENTITY);
    await producer.emit(
      'export.completed',
      example('export.completed'),
      TEST_IDENTITY,
    );
    await relay.drain();

    expect(await db.knex('platform_events').count('* as n').first()).toEqual({
      n: '1',
    });
    const [letter] = await store.deadLetters();
    expect(letter).toMatchObject({
      name: 'export.completed',
      producer: 'exports',
    });
    expect(letter.violations).toEqual([
      {
        instancePath: '/properties',
        schemaPath: '#/properties/properties/required',
        message: "must have required property 'row_count'",
      },
    ]);
    expect(letter.payload).toMatchObject({ properties: missing });
  });

  it('dead-letters what the central registry rejects even if the producer did not', async () => {
    await store.ingest([
      {
        payload: {
          name: 'export.exploded',
          event_id: uuidv7(),
          producer: 'old-service',
        },
        violations: [],
      },
    ]);
    const [letter] = await store.deadLetters();
    expect(letter.violations[0]).toMatchObject({ schemaPath: '#/registry' });
  });

  it('stores a relayed batch with one INSERT of its valid events, in delivery order, with its dead letters and identity merges', async () => {
    const anonymous_id = '7d0e2f4a-1b3c-4d5e-8f90-a1b2c3d4e5f6';
    const events = await producer.emitMany([
      ...Array.from({ length: 200 }, (_, i) => ({
        name: 'dashboard.loaded',
        properties:
          i % 50 === 3 ? { broken: true } : example('dashboard.loaded'),
        identity: TEST_IDENTITY,
      })),
      {
        name: 'identity.merged',
        properties: { anonymous_id, method: 'sso' },
        identity: { ...TEST_IDENTITY, anonymous_id },
      },
    ]);
    const statements: string[] = [];
    const record = (q: { sql: string }) => statements.push(q.sql);
    db.knex.on('query', record);
    try {
      expect(await relay.drain()).toBe(201);
    } finally {
      db.knex.off('query', record);
    }
    expect(
      statements.filter(sql => /insert into .?platform_events\b/i.test(sql)),
    ).toHaveLength(1);
    const stored = await db.knex('platform_events').orderBy('seq');
    expect(stored.map(r => r.event_id)).toEqual(
      events.filter(e => e.accepted).map(e => e.eventId),
    );
    expect(stored[0]).toMatchObject({
      name: 'dashboard.loaded',
      event_type: 'dashboard.loaded',
      version: 1,
      producer: 'exports',
      ...TEST_IDENTITY,
      anonymous_id: null,
      properties: example('dashboard.loaded'),
    });
    expect((await store.deadLetters()).map(l => l.event_id).sort()).toEqual(
      events
        .filter(e => !e.accepted)
        .map(e => e.eventId)
        .sort(),
    );
    expect(await db.knex('platform_identity_merges')).toEqual([
      expect.objectContaining({ anonymous_id, user_id: TEST_IDENTITY.user_id }),
    ]);
  });

  it('delivers an event_id stored twice once per consumer', async () => {
    const eventId = uuidv7();
    // The producer retried: the same event reaches the log twice.
    for (let i = 0; i < 2; i++) {
      await producer.emit(
        'filter.applied',
        example('filter.applied'),
        TEST_IDENTITY,
        { eventId },
      );
    }
    await producer.emit(
      'filter.rejected',
      example('filter.rejected'),
      TEST_IDENTITY,
    );
    await relay.drain();
    expect(
      await db
        .knex('platform_events')
        .where({ event_id: eventId })
        .count('* as n')
        .first(),
    ).toEqual({ n: '2' });

    const received: Record<string, string[]> = { a: [], b: [] };
    const log = store;
    for (const name of ['a', 'b']) {
      const consumer = new EventConsumer({
        consumer: name,
        knex: db.knex,
        source: async () => log,
        logger,
        handler: async e => {
          received[name].push(e.event_id);
        },
      });
      expect(await consumer.poll()).toEqual({ handled: 2, duplicates: 1 });
      expect(await consumer.poll()).toEqual({ handled: 0, duplicates: 0 });
    }
    expect(received.a.filter(id => id === eventId)).toHaveLength(1);
    expect(received.b.filter(id => id === eventId)).toHaveLength(1);

    const page = await store.read({ limit: 10, types: ['filter.rejected'] });
    expect(page.events.map(e => e.name)).toEqual(['filter.rejected']);
  });

  it('replays dead letters idempotently, dry run first', async () => {
    const strict = registry.with([]);
    const props = { ...example('export.failed'), retry_count: 'three' };
    await producer.emit('export.failed', props, TEST_IDENTITY);
    await producer.emit('export.failed', { export_id: 'x' }, TEST_IDENTITY);
    await relay.drain();
    expect((await store.deadLetters()).length).toBe(2);

    // The schema is fixed: retry_count may now be a string too.
    const v1: any = strict.schema('export.failed');
    const fixed = strict.with([
      {
        ...v1,
        properties: {
          ...v1.properties,
          properties: {
            ...v1.properties.properties,
            properties: {
              ...v1.properties.properties.properties,
              retry_count: { type: ['integer', 'string'] },
            },
          },
        },
      },
    ]);
    const fixedStore = new EventStore(db.knex, fixed);

    const dry = await fixedStore.replay({ dryRun: true });
    expect(dry).toEqual({
      dryRun: true,
      examined: 2,
      replayed: 1,
      stillInvalid: 1,
      alreadyReplayed: 0,
      alreadyInLog: 0,
    });
    expect(await db.knex('platform_events').count('* as n').first()).toEqual({
      n: '0',
    });

    const first = await fixedStore.replay({ dryRun: false });
    expect(first).toMatchObject({
      replayed: 1,
      stillInvalid: 1,
      alreadyReplayed: 0,
    });
    const second = await fixedStore.replay({ dryRun: false });
    expect(second).toMatchObject({
      replayed: 0,
      stillInvalid: 1,
      alreadyReplayed: 1,
    });
    expect(await db.knex('platform_events').count('* as n').first()).toEqual({
      n: '1',
    });
    const open = await fixedStore.deadLetters();
    expect(open).toHaveLength(1);
    expect(open[0].replay_attempts).toBe(2);
  });

  it('re-attributes pre-auth events to the user after identity.merged', async () => {
    const anonymous_id = '7d0e2f4a-1b3c-4d5e-8f90-a1b2c3d4e5f6';
    await producer.emit(
      'account.limit_approached',
      example('account.limit_approached'),
      {
        account_id: TEST_IDENTITY.account_id,
        anonymous_id,
      },
    );
    await relay.drain();
    expect(await store.query({ userId: TEST_IDENTITY.user_id })).toHaveLength(
      0,
    );

    await producer.emit(
      'identity.merged',
      { anonymous_id, method: 'sso' },
      { ...TEST_IDENTITY, anonymous_id },
    );
    await producer.emit(
      'dashboard.loaded',
      example('dashboard.loaded'),
      TEST_IDENTITY,
    );
    await relay.drain();

    const events = await store.query({ userId: TEST_IDENTITY.user_id });
    expect(events.map(e => [e.name, e.reattributed])).toEqual([
      ['account.limit_approached', true],
      ['identity.merged', false],
      ['dashboard.loaded', false],
    ]);
    expect(events[0].resolved_user_id).toBe(TEST_IDENTITY.user_id);
    expect(events[0].user_id).toBeUndefined();
  });

  describe('data QA checks', () => {
    const now = new Date('2026-06-15T12:00:00Z');
    const DAY = 86_400_000;

    async function seed(
      name: string,
      count: number,
      at: Date,
      eventIds?: string[],
    ) {
      const rows = Array.from({ length: count }, (_, i) => ({
        event_id: eventIds?.[i] ?? uuidv7(),
        name,
        event_type: name,
        version: 1,
        occurred_at: new Date(at.getTime() - i * 1000),
        producer: 'seed',
        user_id: TEST_IDENTITY.user_id,
        account_id: TEST_IDENTITY.account_id,
        properties: JSON.stringify(example(name)),
      }));
      await db.knex.batchInsert('platform_events', rows, 500);
    }

    it('flags volume drops and rises against the 7-day average, duplicates and nulls', async () => {
      for (let d = 1; d <= 7; d++) {
        const day = new Date(now.getTime() - d * DAY - 3600_000);
        await seed('filter.applied', 100, day); // steady 100/day
        await seed('export.requested', 100, day);
        await seed('dashboard.loaded', 100, day);
      }
      await seed('filter.applied', 30, new Date(now.getTime() - 3600_000)); // -70%
      await seed('export.requested', 450, new Date(now.getTime() - 3600_000)); // +350%
      const dupIds = Array.from({ length: 90 }, () => uuidv7());
      await seed(
        'dashboard.loaded',
        90,
        new Date(now.getTime() - 3600_000),
        dupIds,
      );
      await seed(
        'dashboard.loaded',
        10,
        new Date(now.getTime() - 7200_000),
        dupIds.slice(0, 10),
      ); // 10% dups
      // 2 of 100 dashboard.loaded events in the window lack dashboard_id: they were dead-lettered.
      await db.knex('platform_dead_letters').insert(
        [1, 2].map(() => ({
          name: 'dashboard.loaded',
          event_type: 'dashboard.loaded',
          producer: 'seed',
          payload: JSON.stringify({
            name: 'dashboard.loaded',
            properties: { query_count: 1 },
          }),
          violations: JSON.stringify([
            { instancePath: '/properties', schemaPath: '#', message: 'x' },
          ]),
          received_at: new Date(now.getTime() - 3600_000),
        })),
      );

      const results = await new QaChecks(db.knex, registry).run(now);
      const find = (check: string, type: string, field?: string) =>
        results.find(
          r => r.check === check && r.event_type === type && r.field === field,
        )!;

      expect(find('volume_anomaly', 'filter.applied', undefined)).toMatchObject(
        { status: 'fail', value: 0.3 },
      );
      expect(
        find('volume_anomaly', 'export.requested', undefined),
      ).toMatchObject({ status: 'fail', value: 4.5 });
      expect(
        find('volume_anomaly', 'dashboard.loaded', undefined),
      ).toMatchObject({ status: 'pass', value: 1 });
      expect(find('volume_anomaly', 'export.failed', undefined).status).toBe(
        'insufficient_data',
      );
      expect(
        find('duplicate_rate', 'dashboard.loaded', undefined),
      ).toMatchObject({ status: 'fail', value: 0.1 });
      expect(find('duplicate_rate', 'filter.applied', undefined)).toMatchObject(
        { status: 'pass', value: 0 },
      );
      const nulls = find(
        'null_rate',
        'dashboard.loaded',
        'properties.dashboard_id',
      );
      expect(nulls.status).toBe('fail');
      expect(nulls.value).toBeCloseTo(2 / 102, 5);
      expect(
        find('null_rate', 'dashboard.loaded', 'properties.query_count'),
      ).toMatchObject({ status: 'pass', value: 0 });

      const latest = await new QaChecks(db.knex, registry).latest();
      expect(latest).toHaveLength(results.length);
    });
  });

  it('replays without ids one batch per transaction', async () => {
    const strict = registry.with([]);
    const props = { ...example('export.failed'), retry_count: 'three' };
    for (let i = 0; i < 5; i++) {
      await producer.emit('export.failed', props, TEST_IDENTITY);
    }
    await relay.flush();
    const batched = new EventStore(db.knex, strict, { replayBatchSize: 2 });
    const selects: { sql: string; __knexTxId?: string }[] = [];
    const listener = (q: { sql: string; __knexTxId?: string }) => {
      if (/from "platform_dead_letters".*for update/.test(q.sql))
        selects.push(q);
    };
    db.knex.on('query', listener);
    try {
      const report = await batched.replay({ dryRun: true });
      expect(report).toMatchObject({ examined: 5, stillInvalid: 5 });
    } finally {
      db.knex.removeListener('query', listener);
    }
    // 2 + 2 + 1 rows, then an empty batch ends the loop: four selects, four transactions.
    expect(selects).toHaveLength(4);
    expect(new Set(selects.map(q => q.__knexTxId)).size).toBe(4);
  });

  it('filters by user through indexes (no scan of the event log)', async () => {
    // Capture the SQL store.query really runs, then ask Postgres how it would run it.
    const seen: { sql: string; bindings: unknown[] }[] = [];
    const listener = (q: { sql: string; bindings: unknown[] }) => seen.push(q);
    db.knex.on('query', listener);
    try {
      await store.query({ userId: 'user:default/ana', limit: 10 });
    } finally {
      db.knex.removeListener('query', listener);
    }
    const executed = seen.find(q => q.sql.includes('platform_events'))!;
    const plan = await db.knex.transaction(async tx => {
      await tx.raw('SET LOCAL enable_seqscan = off');
      const { rows } = await tx.raw(
        `EXPLAIN ${executed.sql.replace(/\$\d+/g, '?')}`,
        executed.bindings as never,
      );
      return rows
        .map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN'])
        .join('\n');
    });
    expect(plan).toContain('platform_events_user_idx');
    expect(plan).toContain('platform_identity_merges_user_idx');
    expect(plan).not.toMatch(/Seq Scan on platform_events /);
  });
});
