import { LRUCache } from 'lru-cache';

/** The parts of a node-postgres client this module uses (`connection` is not in pg's types). */
export interface PreparingClient {
  query(text: string): Promise<unknown>;
  connection?: {
    parsedStatements?: Record<string, string>;
    submittedNamedStatements?: Record<string, string>;
  };
}

const NAME_RE = /^[a-z0-9_]{1,63}$/;

/**
 * Keeps at most `maxPerConnection` named prepared statements on each pooled connection: the
 * least recently used is DEALLOCATEd (and forgotten by node-postgres, which would otherwise
 * believe it is still prepared) before a new one is admitted.
 */
export class PreparedStatements {
  private readonly perClient = new WeakMap<object, LRUCache<string, true>>();
  constructor(readonly maxPerConnection = 100) {}

  /** Call before running statement `name` on `client`; runs the evictions it causes. */
  async admit(client: PreparingClient, name: string): Promise<void> {
    if (!NAME_RE.test(name))
      throw new Error(`invalid prepared statement name ${name}`);
    let cache = this.perClient.get(client);
    if (!cache) {
      cache = new LRUCache<string, true>({ max: this.maxPerConnection });
      this.perClient.set(client, cache);
    }
    if (cache.get(name)) return;
    const evicted: string[] = [];
    const before = new Set(cache.keys());
    cache.set(name, true);
    for (const key of before) if (!cache.has(key)) evicted.push(key);
    for (const old of evicted) {
      await client.query(`DEALLOCATE "${old}"`).catch(error => {
        // 26000: never prepared (its first run failed before the parse completed).
        if ((error as { code?: string }).code !== '26000') throw error;
      });
      delete client.connection?.parsedStatements?.[old];
      delete client.connection?.submittedNamedStatements?.[old];
    }
  }

  /** Statements this module believes are prepared on `client` (for tests and metrics). */
  count(client: object): number {
    return this.perClient.get(client)?.size ?? 0;
  }
}
