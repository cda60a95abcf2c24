import { LRUCache } from 'lru-cache';
import { PolicyDecision } from '../policy/CompiledPolicy';

export interface DecisionCacheOptions {
  /** Most decisions held (default 100,000). */
  maxEntries?: number;
  /** How long a decision is reused (default 60 s). */
  ttlMs?: number;
}

/**
 * Decisions of one policy revision and one data revision. Changing either clears the cache
 * (instead of putting the revisions in every key), which keeps the keys short.
 */
export class DecisionCache {
  private readonly lru: LRUCache<string, PolicyDecision>;
  private hitCount = 0;
  private missCount = 0;

  constructor(options: DecisionCacheOptions = {}) {
    this.lru = new LRUCache({
      max: options.maxEntries ?? 100_000,
      ttl: options.ttlMs ?? 60_000,
    });
  }

  get(key: string): PolicyDecision | undefined {
    const hit = this.lru.get(key);
    if (hit) this.hitCount++;
    else this.missCount++;
    return hit;
  }

  set(key: string, decision: PolicyDecision): void {
    this.lru.set(key, decision);
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  /** Hits / lookups since start (0 before the first lookup). */
  get hitRate(): number {
    const total = this.hitCount + this.missCount;
    return total === 0 ? 0 : this.hitCount / total;
  }
}
