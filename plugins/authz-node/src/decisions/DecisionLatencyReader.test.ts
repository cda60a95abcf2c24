import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { Knex } from 'knex';
import {
  DatabaseDecisionLatencyReader,
  DECISION_LATENCY_TABLE,
} from './DecisionLatencyReader';

jest.setTimeout(60_000);

const T0 = Date.parse('2026-12-01T10:00:00Z');
const minute = (m: number) => new Date(T0 + m * 60_000);

/** A histogram with `counts[boundMs]` decisions at that bound (`Infinity`: the overflow). */
function histogram(counts: Record<number, number>): number[] {
  const buckets = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const [bound, n] of Object.entries(counts)) {
    const index =
      bound === 'Infinity'
        ? LATENCY_BUCKETS_MS.length
        : LATENCY_BUCKETS_MS.indexOf(Number(bound) as 1);
    buckets[index] = n;
  }
  return buckets;
}

async function insertMinute(
  db: Knex,
  m: number,
  cacheHit: boolean,
  buckets: number[],
) {
  await db(DECISION_LATENCY_TABLE).insert({
    minute: minute(m),
    cache_hit: cacheHit,
    decisions: buckets.reduce((a, b) => a + b, 0),
    buckets,
  });
}

describe('DatabaseDecisionLatencyReader (real Postgres, the authz migrations)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let db: Knex;
  let reader: DatabaseDecisionLatencyReader;

  beforeAll(async () => {
    db = await databases.init('POSTGRES_18');
    await db.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-authz-backend',
        'migrations',
      ),
    });
    reader = new DatabaseDecisionLatencyReader(db);
  });

  beforeEach(async () => {
    await db(DECISION_LATENCY_TABLE).delete();
  });

  it('reads the minutes in [from, to), ordered by minute and then cache outcome, with both outcomes by default', async () => {
    await insertMinute(db, 2, true, histogram({ 1: 40, 5: 2 }));
    await insertMinute(db, 0, true, histogram({ 1: 7 }));
    await insertMinute(db, 0, false, histogram({ 5: 1, 25: 3, Infinity: 1 }));
    await insertMinute(db, 3, false, histogram({ 10: 9 })); // at `to`: outside
    await insertMinute(db, -1, true, histogram({ 1: 5 })); // before `from`

    const minutes = await reader.latencyMinutes({
      from: minute(0),
      to: minute(3),
    });
    expect(minutes).toEqual([
      {
        minute: minute(0),
        cacheHit: false,
        decisions: 5,
        buckets: histogram({ 5: 1, 25: 3, Infinity: 1 }),
      },
      {
        minute: minute(0),
        cacheHit: true,
        decisions: 7,
        buckets: histogram({ 1: 7 }),
      },
      {
        minute: minute(2),
        cacheHit: true,
        decisions: 42,
        buckets: histogram({ 1: 40, 5: 2 }),
      },
    ]);
  });

  it('filters by cache outcome', async () => {
    await insertMinute(db, 0, true, histogram({ 1: 7 }));
    await insertMinute(db, 0, false, histogram({ 50: 2 }));
    await insertMinute(db, 1, false, histogram({ 100: 1 }));

    const hits = await reader.latencyMinutes({
      from: minute(0),
      to: minute(10),
      cacheHit: true,
    });
    expect(hits.map(m => [m.minute, m.cacheHit, m.decisions])).toEqual([
      [minute(0), true, 7],
    ]);
    const misses = await reader.latencyMinutes({
      from: minute(0),
      to: minute(10),
      cacheHit: false,
    });
    expect(misses.map(m => [m.minute, m.cacheHit, m.decisions])).toEqual([
      [minute(0), false, 2],
      [minute(1), false, 1],
    ]);
  });

  it('keeps counts above 2^32 exact (bigint columns)', async () => {
    const big = 5_000_000_000;
    await insertMinute(db, 0, true, histogram({ 1: big, Infinity: 3 }));
    const [m] = await reader.latencyMinutes({ from: minute(0), to: minute(1) });
    expect(m.decisions).toBe(big + 3);
    expect(m.buckets[0]).toBe(big);
    expect(m.buckets[LATENCY_BUCKETS_MS.length]).toBe(3);
  });

  it('refuses a row whose bucket layout is not the bounds plus the overflow', async () => {
    await db(DECISION_LATENCY_TABLE).insert({
      minute: minute(0),
      cache_hit: true,
      decisions: 3,
      buckets: [1, 2],
    });
    await expect(
      reader.latencyMinutes({ from: minute(0), to: minute(1) }),
    ).rejects.toThrow(
      `${DECISION_LATENCY_TABLE} row for ${minute(
        0,
      ).toISOString()} has 2 buckets, expected ${
        LATENCY_BUCKETS_MS.length + 1
      }`,
    );
  });
});
