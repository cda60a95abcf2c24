import { LRUCache } from 'lru-cache';
import { CheckRequest } from '@internal/plugin-authz-common';
import { PolicyDecision } from '../policy/CompiledPolicy';
import { CheckNode, CheckTrie } from './CheckTrie';

export interface DecisionCacheOptions {
  /** Most decisions held (default 100,000). */
  maxEntries?: number;
  /** How long a decision is reused (default 60 s). */
  ttlMs?: number;
}

/**
 * Decisions of one policy revision and one data revision. Changing either clears the cache
 * (instead of putting the revisions in every key). Each check maps to its node in a trie of
 * the check's parts (see CheckTrie), and the LRU (size limit and TTL) is keyed by that node;
 * a node leaving the LRU is pruned from the trie.
 */
export class DecisionCache {
  private readonly trie = new CheckTrie();
  private readonly lru: LRUCache<CheckNode, PolicyDecision>;
  private clearing = false;
  private hitCount = 0;
  private missCount = 0;

  constructor(options: DecisionCacheOptions = {}) {
    this.lru = new LRUCache({
      max: options.maxEntries ?? 100_000,
      ttl: options.ttlMs ?? 60_000,
      dispose: (_decision, node, reason) => {
        if (reason !== 'set' && !this.clearing) this.trie.prune(node);
      },
    });
  }

  get(check: CheckRequest): PolicyDecision | undefined {
    const node = this.trie.find(check, false);
    const hit = node && this.lru.get(node);
    if (hit) this.hitCount++;
    else this.missCount++;
    return hit;
  }

  set(check: CheckRequest, decision: PolicyDecision): void {
    this.lru.set(this.trie.find(check, true)!, decision);
  }

  clear(): void {
    this.clearing = true;
    try {
      this.lru.clear();
    } finally {
      this.clearing = false;
    }
    this.trie.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  /** Trie nodes held (tests: pruning keeps it bounded by the entries). */
  get trieNodes(): number {
    return this.trie.nodes;
  }

  /** Hits / lookups since start (0 before the first lookup). */
  get hitRate(): number {
    const total = this.hitCount + this.missCount;
    return total === 0 ? 0 : this.hitCount / total;
  }
}
