import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { Knex } from 'knex';
import { DecisionLatencyMinute, DecisionLatencyReader } from './types';

/** The authz plugin's table of per-minute decision latency histograms (its migrations own it). */
export const DECISION_LATENCY_TABLE = 'authz_decision_latency_minutes';

interface LatencyRow {
  minute: Date;
  cache_hit: boolean;
  decisions: string | number;
  buckets: Array<string | number>;
}

/**
 * `DecisionLatencyReader` over the authz plugin's database. Read only: it never writes or
 * migrates the table (the authz backend's decision log writes it in its group commit).
 */
export class DatabaseDecisionLatencyReader implements DecisionLatencyReader {
  readonly bucketBoundsMs: readonly number[] = LATENCY_BUCKETS_MS;

  constructor(private readonly db: Knex) {}

  async latencyMinutes(q: {
    from: Date;
    to: Date;
    cacheHit?: boolean;
  }): Promise<DecisionLatencyMinute[]> {
    const query = this.db<LatencyRow>(DECISION_LATENCY_TABLE)
      .select('minute', 'cache_hit', 'decisions', 'buckets')
      .where('minute', '>=', q.from)
      .where('minute', '<', q.to)
      .orderBy([
        { column: 'minute', order: 'asc' },
        { column: 'cache_hit', order: 'asc' },
      ]);
    if (q.cacheHit !== undefined) query.where('cache_hit', q.cacheHit);
    const rows: LatencyRow[] = await query;
    return rows.map(row => this.toMinute(row));
  }

  private toMinute(row: LatencyRow): DecisionLatencyMinute {
    // bigint and bigint[] arrive as strings from pg; the counts stay far below 2^53.
    const buckets = row.buckets.map(Number);
    if (buckets.length !== this.bucketBoundsMs.length + 1) {
      // Another bucket layout would silently shift every count to the wrong bound.
      throw new Error(
        `${DECISION_LATENCY_TABLE} row for ${row.minute.toISOString()} has ${
          buckets.length
        } buckets, expected ${this.bucketBoundsMs.length + 1} (${
          this.bucketBoundsMs.length
        } bounds and the overflow)`,
      );
    }
    return {
      minute: new Date(row.minute),
      cacheHit: row.cache_hit,
      decisions: Number(row.decisions),
      buckets,
    };
  }
}
