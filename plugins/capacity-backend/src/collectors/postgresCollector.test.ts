import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { PostgresCollector, weightedPercentile } from './postgresCollector';

jest.setTimeout(60_000);

describe('PostgresCollector (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
  });

  it('measures size, connections, p95, cache hit ratio and an I/O rate; says "no replicas"', async () => {
    const collector = new PostgresCollector(knex, {
      createExtension: true,
      firstRateWindowMs: 0,
    });
    const first = await collector.collect(new Date());
    await knex.raw(
      'CREATE TABLE t AS SELECT g AS n FROM generate_series(1, 20000) g',
    );
    for (let i = 0; i < 20; i++) {
      await knex.raw('SELECT count(*) FROM t WHERE n % ? = 0', [i + 2]);
    }
    const second = await collector.collect(new Date(Date.now() + 2000));

    const value = (metric: string) =>
      second.measured.find(m => m.metric === metric)?.value;
    expect(value('postgres-disk')).toBeGreaterThan(0);
    expect(value('postgres-connections')).toBeGreaterThanOrEqual(1);
    expect(value('postgres-max-connections')).toBeGreaterThanOrEqual(
      value('postgres-connections')!,
    );
    expect(value('postgres-query-p95')).toBeGreaterThan(0);
    expect(value('postgres-cache-hit-ratio')).toBeGreaterThan(0);
    expect(value('postgres-cache-hit-ratio')).toBeLessThanOrEqual(1);
    expect(value('postgres-iops')).toBeGreaterThanOrEqual(0);

    // Live samples only for clock limits; the first I/O reading is a snapshot, not a rate.
    expect(second.samples.map(s => s.limit).sort()).toEqual([
      'postgres-connections',
      'postgres-disk',
      'postgres-iops',
      'postgres-query-p95',
    ]);
    expect(first.unavailable).toContainEqual({
      metric: 'postgres-iops',
      reason:
        'first pg_stat_io snapshot taken; a rate needs a second collection',
    });
    expect(second.unavailable).toEqual([
      {
        metric: 'postgres-replication-lag',
        reason: 'no replicas: pg_stat_replication is empty on this primary',
      },
    ]);
  });

  it('measures an I/O rate on the first collection over a short window', async () => {
    const collector = new PostgresCollector(knex, { firstRateWindowMs: 1000 });
    const out = await collector.collect(new Date());
    expect(out.samples.map(s => s.limit)).toContain('postgres-iops');
    expect(out.measured.find(m => m.metric === 'postgres-iops')?.source).toBe(
      'pg_stat_io reads + writes over 1 s (whole server)',
    );
  });

  it('says plainly when pg_stat_statements is missing and may not be created', async () => {
    const other = await databases.init('POSTGRES_18');
    const out = await new PostgresCollector(other).collect(new Date());
    expect(out.unavailable).toContainEqual({
      metric: 'postgres-query-p95',
      reason:
        'pg_stat_statements is not installed in this database (capacity.collectors.postgres.createExtension is off)',
    });
  });
});

describe('weightedPercentile', () => {
  it('counts each call at its statement mean', () => {
    // 90 calls at 1 ms, 5 at 10 ms, 5 at 100 ms: the 95th call is at 10 ms.
    const statements = [
      { mean: 100, calls: 5 },
      { mean: 1, calls: 90 },
      { mean: 10, calls: 5 },
    ];
    expect(weightedPercentile(statements, 0.95)).toBe(10);
    expect(weightedPercentile(statements, 0.96)).toBe(100);
    expect(weightedPercentile([], 0.95)).toBeUndefined();
  });
});
