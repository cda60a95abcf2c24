import { Knex } from 'knex';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';

/** Per `<minute ISO> <cacheHit>`: decisions and NON-cumulative bucket counts (+ overflow). */
export type MinuteHistograms = Map<
  string,
  { decisions: number; buckets: number[] }
>;

const keyOf = (minute: Date, cacheHit: boolean) =>
  `${new Date(minute).toISOString()} ${cacheHit}`;

/** What the histograms must hold: counted directly from the logged decisions' latency_us. */
export async function histogramsCountedFromLog(
  knex: Knex,
): Promise<MinuteHistograms> {
  const bounds = LATENCY_BUCKETS_MS.map(ms => ms * 1000);
  const rows: { minute: Date; cache_hit: boolean; latency_us: number }[] =
    await knex('authz_decisions')
      .whereNotNull('latency_us')
      .select(
        knex.raw("date_trunc('minute', decided_at) AS minute"),
        'cache_hit',
        'latency_us',
      );
  const counted: MinuteHistograms = new Map();
  for (const row of rows) {
    const key = keyOf(row.minute, row.cache_hit);
    const h = counted.get(key) ?? {
      decisions: 0,
      buckets: new Array(bounds.length + 1).fill(0),
    };
    const bucket = bounds.findIndex(b => row.latency_us <= b);
    h.buckets[bucket === -1 ? bounds.length : bucket]++;
    h.decisions++;
    counted.set(key, h);
  }
  return counted;
}

/** The histograms as stored in authz_decision_latency_minutes. */
export async function storedHistograms(knex: Knex): Promise<MinuteHistograms> {
  const rows: {
    minute: Date;
    cache_hit: boolean;
    decisions: string;
    buckets: string[];
  }[] = await knex('authz_decision_latency_minutes').select();
  return new Map(
    rows.map(m => [
      keyOf(m.minute, m.cache_hit),
      { decisions: Number(m.decisions), buckets: m.buckets.map(Number) },
    ]),
  );
}
