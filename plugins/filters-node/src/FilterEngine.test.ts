import { InputError, NotAllowedError } from '@backstage/errors';
import { FilterGroup } from '@internal/plugin-filters-common';
import {
  createDemoDatabases,
  DemoSetup,
  datasetFor,
  setupDemo,
  tenantContext,
} from './__testUtils__/demo';
import { FilterEngine, FilterEventSink } from './FilterEngine';
import { FilterRejectedError } from './errors';

jest.setTimeout(120_000);

describe('FilterEngine against real Postgres', () => {
  let demo: DemoSetup;
  let engine: FilterEngine;
  const emitted: {
    name: string;
    properties: Record<string, unknown>;
    identity: unknown;
  }[] = [];
  const events: FilterEventSink = {
    async emit(name, properties, identity) {
      emitted.push({ name, properties, identity });
    },
  };

  afterAll(async () => {
    await engine?.close();
  });
  const databases = createDemoDatabases();
  beforeAll(async () => {
    demo = await setupDemo(databases, 5000);
    engine = new FilterEngine({
      datasets: [demo.dataset],
      events,
      analyzeCheckIntervalMs: 0,
    });
  });
  beforeEach(() => {
    emitted.length = 0;
    engine.shapes.clear();
  });

  const weekFilter: FilterGroup = {
    combinator: 'and',
    rules: [
      {
        field: 'occurred_at',
        operator: 'in_last',
        value: { amount: 60, unit: 'days' },
      },
      {
        field: 'event_type',
        operator: 'in',
        value: ['query.run', 'user.login'],
      },
    ],
  };

  it('builds parameterized SQL with the tenant predicate first and values only as bindings', () => {
    const account = demo.accounts[0].id;
    const built = FilterEngine.build(
      demo.dataset,
      {
        combinator: 'or',
        rules: [
          { field: 'country', operator: 'eq', value: "US' OR 1=1 --" },
          { field: 'properties.browser', operator: 'eq', value: 'safari' },
        ],
      },
      tenantContext(account),
      { kind: 'count' },
    );
    expect(built.sql).toBe(
      'SELECT count(*)::bigint AS count FROM "events" WHERE "account_id" = $1::uuid AND (("country" = $2::text) OR (("properties" #>> $3::text[]) = $4::text))',
    );
    expect(built.bindings).toEqual([
      account,
      "US' OR 1=1 --",
      ['browser'],
      'safari',
    ]);
  });

  it('refuses a tenant that no authorization step issued', () => {
    const forged = {
      tenant: {
        accountId: demo.accounts[0].id,
        via: 'verified-identity',
        actor: 'x',
      },
      readableDataClasses: new Set<string>(),
      identity: { account_id: demo.accounts[0].id },
    } as any;
    expect(() => FilterEngine.build(demo.dataset, undefined, forged)).toThrow(
      NotAllowedError,
    );
  });

  it('pages with a keyset cursor and returns only the tenant rows, newest first', async () => {
    const account = demo.accounts[1];
    const context = tenantContext(account.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let previous = Infinity;
    let pages = 0;
    for (let page = 0; page < 100; page++) {
      pages++;
      const res = await engine.query(
        {
          dataset: 'events',
          filter: undefined,
          limit: 50,
          cursor,
          fields: ['id', 'occurred_at'],
        },
        context,
      );
      for (const row of res.rows) {
        const t = (row.occurred_at as Date).getTime();
        expect(t).toBeLessThanOrEqual(previous);
        previous = t;
        seen.push(String(row.id));
      }
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    const expected = demo.rows
      .filter(r => r.account_id === account.id)
      .map(r => String(r.id))
      .sort();
    expect(pages).toBeGreaterThan(2); // the cursor was really used
    expect([...seen].sort()).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('keyset paging keeps microsecond timestamps exact (no row skipped or repeated)', async () => {
    const account = '5f0c5b1e-8a55-4d44-9a8e-3c1b0f6f9a01';
    await demo.db.knex.raw(
      `INSERT INTO events (id, account_id, event_type, occurred_at, country, plan, properties)
       SELECT md5('micro-' || i)::uuid, ?::uuid, 'query.run',
              timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => i * 0.0001),
              'US', 'enterprise', '{}'::jsonb
       FROM generate_series(1, 40) AS i`,
      [account],
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await engine.query(
        { dataset: 'events', limit: 7, cursor, fields: ['id'] },
        tenantContext(account),
      );
      seen.push(...res.rows.map(r => String(r.id)));
      expect(res.rows.every(r => !('__cursor_order' in r))).toBe(true);
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });

  it('omits PII fields unless the data class is readable, and refuses filtering on them', async () => {
    const account = demo.accounts[0].id;
    const res = await engine.query(
      { dataset: 'events', limit: 5 },
      tenantContext(account),
    );
    expect(res.omittedFields).toEqual(['email']);
    expect(Object.keys(res.rows[0])).not.toContain('email');
    await expect(
      engine.query(
        {
          dataset: 'events',
          filter: {
            combinator: 'and',
            rules: [{ field: 'email', operator: 'contains', value: '@' }],
          },
        },
        tenantContext(account),
      ),
    ).rejects.toThrow(
      'filter.rules[0].field: field "email" is of data class "pii"',
    );
    await expect(
      engine.query(
        { dataset: 'events', fields: ['id', 'email'] },
        tenantContext(account),
      ),
    ).rejects.toThrow(/fields\[1\]/);
    const withPii = await engine.query(
      { dataset: 'events', limit: 5, fields: ['id', 'email'] },
      tenantContext(account, { pii: true }),
    );
    expect(withPii.omittedFields).toEqual([]);
    expect(withPii.rows[0]).toHaveProperty('email');
  });

  it('counts, measures rows scanned and emits filter.applied', async () => {
    const account = demo.accounts[0];
    const res = await engine.count(
      { dataset: 'events', filter: weekFilter },
      tenantContext(account.id),
    );
    const now = Date.now();
    const expected = demo.rows.filter(
      r =>
        r.account_id === account.id &&
        ['query.run', 'user.login'].includes(String(r.event_type)) &&
        (r.occurred_at as Date).getTime() >= now - 60 * 86400_000,
    ).length;
    expect(Math.abs(res.count - expected)).toBeLessThanOrEqual(1); // clock moves between the two reads
    expect(res.stats.rowsScanned).toBeGreaterThanOrEqual(res.count);
    expect(res.stats.costFromCache).toBe(false);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      name: 'filter.applied',
      properties: {
        filter_hash: res.stats.shapeHash,
        field_count: 2,
        rows_returned: 1,
        rows_scanned: res.stats.rowsScanned,
      },
      identity: { account_id: account.id },
    });
  });

  it('rows scanned counts index-only scans too (after VACUUM sets the visibility map)', async () => {
    await demo.db.knex.raw('VACUUM ANALYZE events');
    const account = demo.accounts[0].id;
    const res = await engine.count(
      { dataset: 'events', filter: weekFilter },
      tenantContext(account),
    );
    expect(res.count).toBeGreaterThan(0);
    expect(res.stats.rowsScanned).toBeGreaterThanOrEqual(res.count);
  });

  it('the shape cache skips EXPLAIN for a repeated shape and is refreshed after ANALYZE', async () => {
    const account = demo.accounts[2].id;
    const other = {
      ...weekFilter,
      rules: [
        weekFilter.rules[0],
        { field: 'event_type', operator: 'in', value: ['alert.triggered'] },
      ],
    } as FilterGroup;
    const first = await engine.count(
      { dataset: 'events', filter: weekFilter },
      tenantContext(account),
    );
    const second = await engine.count(
      { dataset: 'events', filter: other },
      tenantContext(account),
    );
    expect(first.stats.costFromCache).toBe(false);
    expect(second.stats.costFromCache).toBe(true);
    expect(second.stats.shapeHash).toBe(first.stats.shapeHash);
    await demo.db.knex.raw('ANALYZE events');
    await demo.db.knex.raw('SELECT pg_stat_force_next_flush()');
    let third = await engine.count(
      { dataset: 'events', filter: other },
      tenantContext(account),
    );
    for (let i = 0; i < 20 && third.stats.costFromCache; i++) {
      await new Promise(r => setTimeout(r, 100)); // stats reach pg_stat_user_tables asynchronously
      third = await engine.count(
        { dataset: 'events', filter: other },
        tenantContext(account),
      );
    }
    expect(third.stats.costFromCache).toBe(false);
  });

  it('the cost gate rejects a full scan above the threshold with cost, threshold and suggestions', async () => {
    const strict = new FilterEngine({
      datasets: [datasetFor(demo.db, { costThreshold: 20 })],
      events,
    });
    try {
      const error = await strict
        .count(
          {
            dataset: 'events',
            filter: {
              combinator: 'and',
              rules: [{ field: 'amount', operator: 'gt', value: 0 }],
            },
          },
          tenantContext(demo.accounts[0].id),
        )
        .catch(e => e);
      expect(error).toBeInstanceOf(FilterRejectedError);
      expect(error.statusCode).toBe(422);
      expect(error.details).toMatchObject({
        reason: 'cost',
        costThreshold: 20,
        suggestedFields: ['occurred_at', 'event_type', 'user_id'],
      });
      expect(error.details.estimatedCost).toBeGreaterThan(20);
      expect(error.message).toMatch(
        /estimated cost \d+ is above the threshold 20/,
      );
      expect(
        emitted.find(e => e.name === 'filter.rejected')?.properties,
      ).toMatchObject({
        threshold: 20,
        rejection_reason: 'estimated cost above threshold',
      });
      const explained = await strict.explain(
        { dataset: 'events', kind: 'count' },
        tenantContext(demo.accounts[0].id),
      );
      expect(explained.wouldRun).toBe(false);
      expect(explained.planNodes.join(' ')).toMatch(/on events/);
    } finally {
      await strict.close();
    }
  });

  describe('timeouts and cancels', () => {
    beforeAll(async () => {
      // A view that sleeps 1 ms per row: any query over it outlives a short statement_timeout.
      await demo.db.knex
        .raw(`CREATE FUNCTION slow_true(uuid) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
        BEGIN PERFORM pg_sleep(0.001); RETURN true; END $$`);
      await demo.db.knex.raw(
        `CREATE VIEW events_slow AS SELECT * FROM events WHERE slow_true(id)`,
      );
    });
    const slow = () =>
      datasetFor(
        demo.db,
        {
          table: 'events_slow',
          statsTable: 'events',
          statementTimeoutMs: 150,
          costThreshold: 1e12,
        },
        'slow',
      );

    it('a statement timeout becomes a clear "narrow your filter" 422', async () => {
      const engineSlow = new FilterEngine({ datasets: [slow()], events });
      try {
        const error = await engineSlow
          .count({ dataset: 'slow' }, tenantContext(demo.accounts[0].id))
          .catch(e => e);
        expect(error).toBeInstanceOf(FilterRejectedError);
        expect(error.details).toMatchObject({
          reason: 'timeout',
          timeoutMs: 150,
        });
        expect(error.message).toMatch(
          /ran longer than 150 ms and was stopped: narrow your filter/,
        );
        expect(
          emitted.find(e => e.name === 'filter.rejected')?.properties
            .rejection_reason,
        ).toBe('statement timeout after 150 ms');
      } finally {
        await engineSlow.close();
      }
    });

    it('a cancel (pg_cancel_backend) is reported as a cancel, not a timeout', async () => {
      const engineSlow = new FilterEngine({
        datasets: [{ ...slow(), statementTimeoutMs: 60_000 }],
        events,
      });
      try {
        const running = engineSlow
          .count({ dataset: 'slow' }, tenantContext(demo.accounts[0].id))
          .catch(e => e);
        let cancelled = false;
        for (let i = 0; i < 100 && !cancelled; i++) {
          await new Promise(r => setTimeout(r, 50));
          const r = await demo.db.knex.raw(
            `SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity WHERE query LIKE '%events_slow%' AND query NOT LIKE '%pg_stat_activity%' AND state = 'active'`,
          );
          cancelled = r.rows.some((x: { ok: boolean }) => x.ok);
        }
        expect(cancelled).toBe(true);
        const error = await running;
        expect(error.name).toBe('ServiceUnavailableError');
        expect(error.message).toMatch(/cancelled.*not a timeout/);
      } finally {
        await engineSlow.close();
      }
    });
  });

  describe('replica routing', () => {
    it('reads from the replica when reachable; reports lag honestly on a non-standby', async () => {
      const ds = datasetFor(demo.db, {
        replica: { connection: demo.db.connection, maxLagSeconds: 5 },
      });
      const routed = new FilterEngine({ datasets: [ds] });
      try {
        const res = await routed.count(
          { dataset: 'events' },
          tenantContext(demo.accounts[0].id),
        );
        expect(res.stats.servedBy).toBe('replica');
        expect(res.stats.replicaLagSeconds).toBeNull(); // not a standby: no replay lag to measure
      } finally {
        await routed.close();
      }
    });

    it('falls back to the primary when the replica is unreachable', async () => {
      const ds = datasetFor(demo.db, {
        replica: {
          connection: { ...demo.db.connection, port: 1 },
          maxLagSeconds: 5,
        },
      });
      const routed = new FilterEngine({ datasets: [ds] });
      try {
        const account = demo.accounts[0];
        const res = await routed.count(
          { dataset: 'events' },
          tenantContext(account.id),
        );
        expect(res.stats.servedBy).toBe('primary');
        expect(res.stats.fallbackReason).toMatch(
          /replica unreachable \(ECONNREFUSED\)/,
        );
        expect(res.count).toBe(account.events);
      } finally {
        await routed.close();
      }
    });

    it('falls back to the primary when the measured lag is above the limit', async () => {
      const ds = datasetFor(demo.db, {
        replica: { connection: demo.db.connection, maxLagSeconds: 5 },
      });
      // Unit seam: a standby's lag cannot be produced on a single server; the probe is replaced.
      const routed = new FilterEngine({
        datasets: [ds],
        replica: { probe: async () => ({ standby: true, lagSeconds: 42 }) },
      });
      try {
        const res = await routed.count(
          { dataset: 'events' },
          tenantContext(demo.accounts[0].id),
        );
        expect(res.stats.servedBy).toBe('primary');
        expect(res.stats.fallbackReason).toBe('replica lag 42.0 s exceeds 5 s');
      } finally {
        await routed.close();
      }
    });
  });

  it('rejects bad requests with InputError naming the path', async () => {
    const ctx = tenantContext(demo.accounts[0].id);
    await expect(
      engine.query({ dataset: 'events', limit: 5000 }, ctx),
    ).rejects.toThrow('limit: must be an integer from 1 to 1000');
    await expect(
      engine.query({ dataset: 'events', cursor: 'garbage' }, ctx),
    ).rejects.toThrow(/^cursor: /);
    await expect(
      engine.query({ dataset: 'events', fields: ['nope'] }, ctx),
    ).rejects.toThrow(InputError);
    await expect(
      engine.count(
        {
          dataset: 'events',
          filter: {
            combinator: 'and',
            rules: [
              {
                field: 'account_id',
                operator: 'eq',
                value: demo.accounts[1].id,
              },
            ],
          },
        },
        ctx,
      ),
    ).rejects.toThrow(/filter.rules\[0\].field: unknown field "account_id"/);
    await expect(engine.count({ dataset: 'nope' }, ctx)).rejects.toThrow(
      /dataset: no dataset "nope"/,
    );
  });
});
