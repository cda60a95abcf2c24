import { LRUCache } from 'lru-cache';
import { Knex } from 'knex';

export interface CostVerdict {
  estimatedCost: number;
  estimatedRows: number;
  /** The table's last (auto)analyze time when the verdict was made. */
  analyzeEpoch: string;
}

/**
 * Caches accepted cost verdicts by shape hash (fields, operators and structure, not values)
 * for a TTL, and drops them when the table has been ANALYZEd since. Rejections are not cached:
 * the same shape with narrower values deserves a fresh EXPLAIN.
 */
export class ShapeCache {
  private readonly verdicts = new LRUCache<string, CostVerdict>({ max: 5000 });
  private readonly epochs = new Map<
    string,
    { epoch: string; checkedAt: number }
  >();
  hits = 0;
  misses = 0;

  constructor(private readonly analyzeCheckIntervalMs = 10_000) {}

  /** The table's latest ANALYZE time, read at most once per interval. */
  async analyzeEpoch(knex: Knex, table: string): Promise<string> {
    const known = this.epochs.get(table);
    if (known && Date.now() - known.checkedAt < this.analyzeCheckIntervalMs)
      return known.epoch;
    const result = await knex.raw(
      `SELECT coalesce(greatest(last_analyze, last_autoanalyze)::text, 'never') AS epoch
         FROM pg_stat_user_tables WHERE relid = to_regclass(?)`,
      [table],
    );
    const epoch = result.rows[0]?.epoch ?? 'unknown';
    this.epochs.set(table, { epoch, checkedAt: Date.now() });
    return epoch;
  }

  get(shapeHash: string, epoch: string): CostVerdict | undefined {
    const verdict = this.verdicts.get(shapeHash);
    if (verdict && verdict.analyzeEpoch === epoch) {
      this.hits++;
      return verdict;
    }
    if (verdict) this.verdicts.delete(shapeHash);
    this.misses++;
    return undefined;
  }

  set(shapeHash: string, verdict: CostVerdict, ttlMs: number) {
    this.verdicts.set(shapeHash, verdict, { ttl: ttlMs });
  }

  clear() {
    this.verdicts.clear();
    this.epochs.clear();
  }
}
