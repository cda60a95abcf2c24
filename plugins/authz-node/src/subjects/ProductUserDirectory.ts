import { Knex } from 'knex';
import { LRUCache } from 'lru-cache';

/** A product user as the policy sees it (`input.subject`). */
export interface ProductUserAttributes {
  account: string;
  role: string;
  plan: string;
  region: string;
}

/** Row of `users JOIN accounts` in the product database. */
interface DbProductUserRow {
  id: string;
  account_id: string;
  role: string;
  plan: string;
  region: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where product users' attributes come from (the product database, or a fake in tests). */
export interface ProductUserSource {
  /** Attributes of each known id; unknown ids are absent from the map. */
  load(ids: string[]): Promise<Map<string, ProductUserAttributes>>;
  /** Forget cached attributes (the product data changed). */
  invalidate(): void;
}

/**
 * Loads account, role, plan and region of product users from the product database's
 * `users`/`accounts` tables, in one query per batch, cached with a TTL. Unknown users are
 * cached too (as null), so a flood of bad ids does not become a flood of queries.
 */
export class ProductUserDirectory implements ProductUserSource {
  private readonly cache: LRUCache<string, ProductUserAttributes | 'unknown'>;
  /** Bumped by `invalidate()`: a load that started before it must not cache what it read. */
  private generation = 0;

  constructor(
    private readonly knex: Knex,
    options: { maxEntries?: number; ttlMs?: number } = {},
  ) {
    this.cache = new LRUCache({
      max: options.maxEntries ?? 50_000,
      ttl: options.ttlMs ?? 30_000,
    });
  }

  async load(ids: string[]): Promise<Map<string, ProductUserAttributes>> {
    const found = new Map<string, ProductUserAttributes>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.cache.get(id);
      if (cached === 'unknown') continue;
      if (cached) found.set(id, cached);
      else if (UUID.test(id)) missing.push(id);
      else this.cache.set(id, 'unknown');
    }
    if (missing.length > 0) {
      const generation = this.generation;
      const rows: DbProductUserRow[] = await this.knex('users as u')
        .join('accounts as a', 'a.id', 'u.account_id')
        .whereIn('u.id', missing)
        .select('u.id', 'u.account_id', 'u.role', 'a.plan', 'a.region');
      const byId = new Map(rows.map(r => [r.id, r]));
      // the rows may predate a change announced while the query ran: answer, don't keep
      const cacheable = generation === this.generation;
      for (const id of missing) {
        const row = byId.get(id);
        if (!row) {
          if (cacheable) this.cache.set(id, 'unknown');
          continue;
        }
        const attributes: ProductUserAttributes = {
          account: row.account_id,
          role: row.role,
          plan: row.plan,
          region: row.region,
        };
        if (cacheable) this.cache.set(id, attributes);
        found.set(id, attributes);
      }
    }
    return found;
  }

  invalidate(): void {
    this.generation++;
    this.cache.clear();
  }
}
