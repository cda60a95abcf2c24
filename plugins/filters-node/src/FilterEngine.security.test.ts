import { InputError, NotAllowedError } from '@backstage/errors';
import { FilterGroup } from '@internal/plugin-filters-common';
import { Knex } from 'knex';
import {
  createDemoDatabases,
  datasetFor,
  DemoSetup,
  setupDemo,
  tenantContext,
} from './__testUtils__/demo';
import { ConnectionPools } from './connections';
import {
  FilterEngineBusyError,
  FilterQueryFailedError,
  FilterRejectedError,
} from './errors';
import { FilterEngine } from './FilterEngine';

jest.setTimeout(120_000);

const last30Days: FilterGroup = {
  combinator: 'and',
  rules: [
    {
      field: 'occurred_at',
      operator: 'in_last',
      value: { amount: 30, unit: 'days' },
    },
  ],
};

/** Issue 8 items 4, 5, 8, 9 and 10: each test fails on the engine before the fix. */
describe('FilterEngine hardening (real Postgres)', () => {
  let demo: DemoSetup;
  const engines: FilterEngine[] = [];
  const make = (...args: ConstructorParameters<typeof FilterEngine>) => {
    const e = new FilterEngine(...args);
    engines.push(e);
    return e;
  };
  afterAll(async () => {
    await Promise.all(engines.map(e => e.close()));
  });
  const databases = createDemoDatabases();
  beforeAll(async () => {
    demo = await setupDemo(databases, 5000);
  });
  const biggest = () => demo.accounts[0];
  const smallest = () => demo.accounts[demo.accounts.length - 1];

  it('item 4: a cheap verdict on a small tenant does not let the same shape run on a big one', async () => {
    const probe = make({ datasets: [demo.dataset] });
    const cost = async (account: string) =>
      (
        await probe.explain(
          { dataset: 'events', filter: last30Days, kind: 'count' },
          tenantContext(account),
        )
      ).estimatedCost;
    const small = await cost(smallest().id);
    const big = await cost(biggest().id);
    // Small enough to be cached (below half the threshold), big above the threshold.
    const costThreshold = Math.ceil(small * 2.2);
    expect(big).toBeGreaterThan(costThreshold);

    const engine = make({
      datasets: [datasetFor(demo.db, { costThreshold })],
      analyzeCheckIntervalMs: 60_000,
    });
    const first = await engine.count(
      { dataset: 'events', filter: last30Days },
      tenantContext(smallest().id),
    );
    expect(first.stats.costFromCache).toBe(false);
    const again = await engine.count(
      { dataset: 'events', filter: last30Days },
      tenantContext(smallest().id),
    );
    expect(again.stats.costFromCache).toBe(true);

    const error = await engine
      .count(
        { dataset: 'events', filter: last30Days },
        tenantContext(biggest().id),
      )
      .catch(e => e);
    expect(error).toBeInstanceOf(FilterRejectedError);
    expect(error.details.estimatedCost).toBeCloseTo(big, 5);

    // A much wider value class on the same tenant is not served from the cache: EXPLAIN
    // runs again, and here its cost is above the threshold.
    const wide = await engine
      .count(
        {
          dataset: 'events',
          filter: {
            combinator: 'and',
            rules: [
              {
                field: 'occurred_at',
                operator: 'in_last',
                value: { amount: 360, unit: 'days' },
              },
            ],
          },
        },
        tenantContext(smallest().id),
      )
      .catch(e => e);
    expect(wide).toBeInstanceOf(FilterRejectedError);
    expect(wide.details.estimatedCost).toBeGreaterThan(costThreshold);
  });

  it('item 5: a saturated replica pool answers busy with retryAfterSeconds and does not mark the replica down', async () => {
    await demo.db.knex.raw(
      `CREATE FUNCTION slow_true(uuid) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
       BEGIN PERFORM pg_sleep(0.002); RETURN true; END $$`,
    );
    await demo.db.knex.raw(
      `CREATE VIEW events_slow AS SELECT * FROM events WHERE slow_true(id)`,
    );
    const replicaOf = (overrides: Record<string, unknown>, id: string) =>
      datasetFor(
        demo.db,
        {
          replica: { connection: demo.db.connection, maxLagSeconds: 30 },
          costThreshold: 1e12,
          ...overrides,
        },
        id,
      );
    const engine = make({
      datasets: [
        replicaOf(
          {
            table: 'events_slow',
            statsTable: 'events',
            statementTimeoutMs: 30_000,
          },
          'slow',
        ),
        replicaOf({}, 'events'),
      ],
      pool: { max: 1, acquireTimeoutMs: 300 },
      busyRetryAfterSeconds: 3,
      analyzeCheckIntervalMs: 0,
    });
    const ctx = tenantContext(biggest().id);
    // Warm the lag probe of the slow dataset, then hold its only replica connection.
    await engine.explain(
      { dataset: 'slow', kind: 'count', filter: last30Days },
      ctx,
    );
    const holding = engine.count({ dataset: 'slow' }, ctx);
    await new Promise(r => setTimeout(r, 150));
    const busy = await engine
      .count({ dataset: 'slow', filter: last30Days }, ctx)
      .catch(e => e);
    expect(busy).toBeInstanceOf(FilterEngineBusyError);
    expect(busy.statusCode).toBe(503);
    expect(busy.retryAfterSeconds).toBe(3);
    const held = await holding;
    expect(held.stats.servedBy).toBe('replica');
    const after = await engine.count(
      { dataset: 'slow', filter: last30Days },
      ctx,
    );
    expect(after.stats.servedBy).toBe('replica');
    expect(after.stats.fallbackReason).toBeUndefined();
  });

  it('item 8: prepared statements per connection stay within the LRU bound and evicted ones still run', async () => {
    const engine = make({
      datasets: [demo.dataset],
      pool: { max: 1 },
      preparedStatementsPerConnection: 2,
    });
    const ctx = tenantContext(biggest().id);
    const shapes: FilterGroup[] = [
      last30Days,
      {
        combinator: 'and',
        rules: [
          { field: 'amount', operator: 'gt', value: 1 },
          ...last30Days.rules,
        ],
      },
      {
        combinator: 'and',
        rules: [
          { field: 'country', operator: 'eq', value: 'US' },
          ...last30Days.rules,
        ],
      },
    ];
    const counts: number[] = [];
    for (const filter of shapes)
      counts.push(
        (await engine.count({ dataset: 'events', filter }, ctx)).count,
      );
    const pool = (engine as unknown as { pools: ConnectionPools }).pools.get(
      demo.dataset.connection,
    ) as Knex;
    const prepared = await pool.raw(
      `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'flt_%'`,
    );
    expect(prepared.rows[0].n).toBe(2);
    // The first shape was evicted (DEALLOCATE) and is prepared again on use.
    expect(
      (await engine.count({ dataset: 'events', filter: shapes[0] }, ctx)).count,
    ).toBe(counts[0]);
  });

  it('item 8: a filter whose SQL is longer than the cap is refused with 400 naming the filter', async () => {
    const engine = make({ datasets: [demo.dataset], maxSqlLength: 600 });
    const filter: FilterGroup = {
      combinator: 'or',
      rules: Array.from({ length: 20 }, (_, i) => ({
        field: 'amount',
        operator: 'gt',
        value: i,
      })),
    };
    const error = await engine
      .count({ dataset: 'events', filter }, tenantContext(biggest().id))
      .catch(e => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.details.issues[0].path).toBe('filter');
    expect(error.message).toMatch(/at most 600 are allowed/);
  });

  it('item 9: database error text (row values) is logged under a reference, never returned', async () => {
    const account = smallest().id;
    await demo.db.knex.raw(
      `INSERT INTO events (id, account_id, occurred_at, event_type, country, plan, anonymous_id, properties)
       SELECT gen_random_uuid(), account_id, now(), event_type, country, plan, gen_random_uuid(),
              '{"duration_ms": "secret-row-value-4711"}'::jsonb
         FROM events WHERE account_id = ? LIMIT 1`,
      [account],
    );
    const logged: string[] = [];
    const engine = make({
      datasets: [demo.dataset],
      logger: { warn: m => logged.push(m), error: m => logged.push(m) },
    });
    const error = await engine
      .count(
        {
          dataset: 'events',
          filter: {
            combinator: 'and',
            rules: [
              { field: 'properties.duration_ms', operator: 'gt', value: 5 },
            ],
          },
        },
        tenantContext(account),
      )
      .catch(e => e);
    expect(error).toBeInstanceOf(InputError);
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toMatch(
      /secret-row-value/,
    );
    const reference = /reference ([0-9a-f-]{36})/.exec(error.message)?.[1];
    expect(reference).toBeDefined();
    expect(logged.find(l => l.includes(reference!))).toMatch(
      /secret-row-value-4711/,
    );
    await demo.db.knex.raw(
      `DELETE FROM events WHERE properties->>'duration_ms' = 'secret-row-value-4711'`,
    );
    // Other database failures become a typed 500 with a generic message and a reference.
    await demo.db.knex.raw(
      `CREATE FUNCTION refuse_row(text) RETURNS boolean LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'refused row from %', $1; END $$`,
    );
    await demo.db.knex.raw(
      `CREATE VIEW events_broken AS SELECT * FROM events WHERE refuse_row(country)`,
    );
    const broken = make({
      datasets: [
        datasetFor(
          demo.db,
          { table: 'events_broken', statsTable: 'events' },
          'broken',
        ),
      ],
      logger: { warn: m => logged.push(m) },
    });
    const failed = await broken
      .count({ dataset: 'broken' }, tenantContext(account))
      .catch(e => e);
    expect(failed).toBeInstanceOf(FilterQueryFailedError);
    expect(failed.statusCode).toBe(500);
    expect(failed.message).not.toMatch(/refused row/);
    expect(logged.find(l => l.includes(failed.details.referenceId))).toMatch(
      /refused row from/,
    );
  });

  it('item 10: forced fields (sort key, primary key) pass the data-class check', async () => {
    const engine = make({
      datasets: [
        datasetFor(demo.db, {
          fields: {
            ...datasetFields(),
            id: {
              type: 'uuid',
              label: 'Event id',
              nullable: false,
              dataClass: 'pii',
            },
          },
        }),
      ],
    });
    const error = await engine
      .query(
        { dataset: 'events', fields: ['country'], filter: last30Days },
        tenantContext(biggest().id),
      )
      .catch(e => e);
    expect(error).toBeInstanceOf(NotAllowedError);
    expect(error.message).toMatch(/pages rows by field "id".*data class "pii"/);
    const withPii = await engine.query(
      { dataset: 'events', fields: ['country'], filter: last30Days, limit: 1 },
      tenantContext(biggest().id, { pii: true }),
    );
    expect(withPii.rows[0]).toHaveProperty('id');
  });

  it('item 10: only declared jsonb paths of properties are returned, never undeclared keys', async () => {
    const account = smallest().id;
    await demo.db.knex.raw(
      `UPDATE events SET properties = properties || '{"undeclared_secret": "do-not-return"}'::jsonb
        WHERE account_id = ?`,
      [account],
    );
    const engine = make({ datasets: [demo.dataset] });
    const res = await engine.query(
      { dataset: 'events', fields: ['id', 'properties'], limit: 50 },
      tenantContext(account),
    );
    expect(res.rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.rows)).not.toMatch(
      /undeclared_secret|do-not-return/,
    );
    const declared = new Set(['browser', 'duration_ms', 'dashboard_id']);
    for (const row of res.rows)
      for (const key of Object.keys(row.properties as object))
        expect(declared.has(key)).toBe(true);
    expect(
      res.rows.some(r => Object.keys(r.properties as object).length > 0),
    ).toBe(true);
  });
});

function datasetFields(): Record<string, unknown> {
  // The demo fields, as config (the test overrides one of them).
  const { demoEventsDatasetConfig } = jest.requireActual('./testUtils');
  return demoEventsDatasetConfig().fields;
}
