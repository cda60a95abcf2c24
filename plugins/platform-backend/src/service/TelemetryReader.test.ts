import { TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { RequestRollup } from '@internal/plugin-platform-node';
import { Knex } from 'knex';
import { TelemetryStore } from './TelemetryStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
const migrations = {
  directory: resolvePackagePath(
    '@internal/plugin-platform-backend',
    'migrations',
  ),
};

const B = LATENCY_BUCKETS_MS.length + 1;
function histogram(entries: Record<number, number>): number[] {
  const buckets = new Array(B).fill(0);
  for (const [i, n] of Object.entries(entries)) buckets[Number(i)] = n;
  return buckets;
}

function rollup(
  minute: string,
  over: Partial<RequestRollup> & { buckets: number[] },
): RequestRollup {
  const count = over.buckets.reduce((a, b) => a + b, 0);
  return {
    minute,
    service: 'filters',
    method: 'POST',
    route: '/v1/query',
    status_class: '2xx',
    team: 'group:default/team-a',
    user_ref: 'user:default/ana',
    count,
    errors: 0,
    duration_sum_ms: count * 10,
    ...over,
  };
}

async function migrated(): Promise<Knex> {
  const knex = await databases.init('POSTGRES_18');
  await knex.migrate.latest(migrations);
  return knex;
}

describe('TelemetryStore as PlatformTelemetryReader (real Postgres)', () => {
  it('sums request minutes over the other dimensions, filtered and ordered', async () => {
    const store = new TelemetryStore(await migrated());
    await store.ingestRollups([
      rollup('2026-11-30T10:00:00.000Z', { buckets: histogram({ 2: 3 }) }),
      rollup('2026-11-30T10:00:00.000Z', {
        user_ref: 'user:default/bo',
        status_class: '5xx',
        errors: 2,
        buckets: histogram({ 2: 1, 7: 1 }),
      }),
      rollup('2026-11-30T10:01:00.000Z', { buckets: histogram({ 13: 1 }) }),
      rollup('2026-11-30T10:00:00.000Z', {
        service: 'exports',
        buckets: histogram({ 0: 9 }),
      }),
    ]);
    const minutes = await store.requestMinutes({
      from: new Date('2026-11-30T10:00:00Z'),
      to: new Date('2026-11-30T10:02:00Z'),
      service: 'filters',
    });
    expect(minutes).toEqual([
      {
        minute: new Date('2026-11-30T10:00:00Z'),
        resolutionMinutes: 1,
        count: 5,
        errors: 2,
        buckets: histogram({ 2: 4, 7: 1 }),
      },
      {
        minute: new Date('2026-11-30T10:01:00Z'),
        resolutionMinutes: 1,
        count: 1,
        errors: 0,
        buckets: histogram({ 13: 1 }),
      },
    ]);
    expect(store.bucketBoundsMs).toEqual(LATENCY_BUCKETS_MS);
    expect(
      await store.requestMinutes({
        from: new Date('2026-11-30T10:00:00Z'),
        to: new Date('2026-11-30T10:01:00Z'),
        route: '/nope',
      }),
    ).toEqual([]);
  });

  it('reads requests per team and route, users summed and service callers named', async () => {
    const store = new TelemetryStore(await migrated());
    await store.ingestRollups([
      rollup('2026-11-01T08:10:00.000Z', { buckets: histogram({ 1: 4 }) }),
      rollup('2026-11-30T10:00:00.000Z', { buckets: histogram({ 2: 3 }) }),
      rollup('2026-11-30T10:00:00.000Z', {
        user_ref: 'user:default/bo',
        status_class: '5xx',
        errors: 1,
        buckets: histogram({ 2: 1 }),
      }),
      rollup('2026-11-30T10:00:00.000Z', {
        team: 'service',
        user_ref: 'service:plugin:adoption',
        buckets: histogram({ 0: 2 }),
      }),
      rollup('2026-11-30T10:00:00.000Z', {
        service: 'exports',
        route: '/api/exports/v1/exports',
        team: 'group:default/team-b',
        buckets: histogram({ 0: 7 }),
      }),
      rollup('2026-11-30T10:05:00.000Z', {
        route: '/v1/other',
        buckets: histogram({ 0: 1 }),
      }),
    ]);
    await store.downsample(new Date('2026-11-02T00:00:00Z'));
    const window = {
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-30T10:05:00Z'),
    };
    const base = { method: 'POST', route: '/v1/query', service: 'filters' };
    expect(
      await store.requestsByTeam({ ...window, services: ['filters'] }),
    ).toEqual([
      {
        ...base,
        minute: new Date('2026-11-01T08:00:00Z'),
        resolutionMinutes: 60,
        team: 'group:default/team-a',
        caller: '*',
        count: 4,
        errors: 0,
      },
      {
        ...base,
        minute: new Date('2026-11-30T10:00:00Z'),
        resolutionMinutes: 1,
        team: 'group:default/team-a',
        caller: '*',
        count: 4,
        errors: 1,
      },
      {
        ...base,
        minute: new Date('2026-11-30T10:00:00Z'),
        resolutionMinutes: 1,
        team: 'service',
        caller: 'service:plugin:adoption',
        count: 2,
        errors: 0,
      },
    ]);
    const all = await store.requestsByTeam(window);
    expect(all.map(r => `${r.service} ${r.team} ${r.count}`)).toEqual([
      'filters group:default/team-a 4',
      'exports group:default/team-b 7',
      'filters group:default/team-a 4',
      'filters service 2',
    ]);
    expect(await store.requestsByTeam({ ...window, services: [] })).toEqual([]);
  });

  it('downsamples old minutes into exact hour rows, and reads both resolutions', async () => {
    const knex = await migrated();
    const store = new TelemetryStore(knex);
    const rollups: RequestRollup[] = [];
    // Two hours of old minutes, two series, plus recent minutes that must stay.
    for (let m = 0; m < 120; m++) {
      const minute = new Date(Date.UTC(2026, 10, 1, 8, m)).toISOString();
      rollups.push(
        rollup(minute, { buckets: histogram({ [m % B]: 1 + (m % 3) }) }),
      );
      rollups.push(
        rollup(minute, {
          status_class: '5xx',
          errors: 1,
          buckets: histogram({ 4: 1 }),
        }),
      );
    }
    rollups.push(
      rollup('2026-11-30T12:00:00.000Z', { buckets: histogram({ 1: 2 }) }),
    );
    await store.ingestRollups(rollups);
    const query = {
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    };
    const before = await store.requestMinutes(query);
    const total = (list: typeof before) => ({
      count: list.reduce((n, r) => n + r.count, 0),
      errors: list.reduce((n, r) => n + r.errors, 0),
      buckets: list.reduce(
        (acc, r) => acc.map((v, i) => v + r.buckets[i]),
        new Array(B).fill(0),
      ),
    });

    // 09:30 rounds down to 09:00: only the 08:xx hour is complete before the cutoff.
    expect(await store.downsample(new Date('2026-11-01T09:30:00Z'))).toEqual({
      minuteRows: 120,
    });
    const after = await store.requestMinutes(query);
    expect(total(after)).toEqual(total(before));
    expect(after[0]).toMatchObject({
      minute: new Date('2026-11-01T08:00:00Z'),
      resolutionMinutes: 60,
      errors: 60,
    });
    expect(after.filter(r => r.resolutionMinutes === 60)).toHaveLength(1);
    expect(after.filter(r => r.resolutionMinutes === 1)).toHaveLength(61);
    expect(after.map(r => r.minute.getTime())).toEqual(
      [...after.map(r => r.minute.getTime())].sort((a, b) => a - b),
    );

    // A late flush for an already folded minute is folded into the same hour row next run.
    await store.ingestRollups([
      rollup('2026-11-01T08:30:00.000Z', { buckets: histogram({ 3: 5 }) }),
    ]);
    await store.downsample(new Date('2026-11-30T00:00:00Z'));
    const later = await store.requestMinutes(query);
    expect(total(later).count).toBe(total(before).count + 5);
    expect(later.filter(r => r.resolutionMinutes === 60)).toHaveLength(2);
    expect(
      await knex('platform_request_rollups_hourly').count({ n: '*' }),
    ).toEqual([{ n: '4' }]);
    // The summary reads both tables.
    const [summary] = await store.summary(query);
    expect(summary.requests).toBe(total(later).count);
  });

  it('aggregates page loads per minute into histograms and reads them per route', async () => {
    const store = new TelemetryStore(await migrated());
    const at = new Date('2026-11-30T10:00:10Z');
    for (const durationMs of [40, 400, 400, 9_999_999, -5]) {
      await store.recordRum({
        route: '/catalog/default/component/x',
        kind: 'page-load',
        durationMs,
        occurredAt: at,
      });
    }
    await store.recordRum({
      route: '/home',
      kind: 'route-change',
      durationMs: 10,
      occurredAt: at,
    });
    const minutes = await store.pageLoadMinutes({
      from: new Date('2026-11-30T10:00:00Z'),
      to: new Date('2026-11-30T10:01:00Z'),
      route: '/catalog/:namespace/:kind/:name',
    });
    expect(minutes).toEqual([
      {
        minute: new Date('2026-11-30T10:00:00Z'),
        resolutionMinutes: 1,
        count: 5,
        errors: 0,
        // 40 ms → (25, 50]; 400 → (200, 500]; clamped 600 s → overflow; -5 clamped to 0 → (0, 1].
        buckets: histogram({ 0: 1, 4: 1, 7: 2, 13: 1 }),
      },
    ]);
  });

  it('migrates per-beacon RUM rows into minute histograms', async () => {
    const knex = await databases.init('POSTGRES_18');
    await knex.migrate.up({
      ...migrations,
      name: '20261130000000_platform.js',
    });
    await knex('platform_rum_timings').insert(
      [3, 7, 7, 20000].map(ms => ({
        occurred_at: new Date('2026-11-30T10:00:30Z'),
        route: '/home',
        kind: 'page-load',
        duration_ms: ms,
        user_ref: 'u',
        team: 't',
      })),
    );
    await knex.migrate.latest(migrations);
    const store = new TelemetryStore(knex);
    expect(
      await store.pageLoadMinutes({
        from: new Date('2026-11-30T10:00:00Z'),
        to: new Date('2026-11-30T10:01:00Z'),
      }),
    ).toEqual([
      {
        minute: new Date('2026-11-30T10:00:00Z'),
        resolutionMinutes: 1,
        count: 4,
        errors: 0,
        buckets: histogram({ 1: 1, 2: 2, 13: 1 }),
      },
    ]);
    await knex.migrate.rollback({ ...migrations }, true);
  });
});
