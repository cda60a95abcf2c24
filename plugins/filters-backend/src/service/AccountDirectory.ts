import { Knex } from 'knex';
import {
  AuthorizeResult,
  PermissionCondition,
  PermissionCriteria,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { AccountSummary } from '@internal/plugin-filters-common';
import { accountInRule } from '@internal/plugin-filters-node';

/** A row of the product database's `accounts` table, as read here. */
export interface DbAccountRow {
  id: string;
  name: string;
  plan: 'enterprise' | 'mid_market';
  region: 'us' | 'eu';
}

const UUID_RE =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Criteria = PermissionCriteria<PermissionCondition>;

/**
 * The policy's `filters.account.act` conditions as SQL on `accounts.id`: the same decision a
 * query gets, pushed into the search. Unknown rules match nothing (fail closed).
 */
function applyCriteria(qb: Knex.QueryBuilder, criteria: Criteria): void {
  if ('allOf' in criteria) {
    qb.where(b => {
      for (const c of criteria.allOf)
        b.andWhere(inner => applyCriteria(inner, c));
    });
  } else if ('anyOf' in criteria) {
    if (criteria.anyOf.length === 0) qb.whereRaw('false');
    else
      qb.where(b => {
        for (const c of criteria.anyOf)
          b.orWhere(inner => applyCriteria(inner, c));
      });
  } else if ('not' in criteria) {
    qb.whereNot(b => applyCriteria(b, criteria.not));
  } else if (criteria.rule === accountInRule.name) {
    const ids = ((criteria.params as { accountIds?: unknown })?.accountIds ??
      []) as unknown[];
    const valid = ids
      .filter((a): a is string => typeof a === 'string' && UUID_RE.test(a))
      .map(a => a.toLowerCase());
    if (valid.length === 0) qb.whereRaw('false');
    else qb.whereIn('id', valid);
  } else {
    qb.whereRaw('false');
  }
}

export interface AccountSearch {
  q?: string;
  limit: number;
  offset: number;
}

/** Account search over the product database for pickers (name, plan, region). */
export class AccountDirectory {
  constructor(private readonly knex: Knex) {}

  async search(
    search: AccountSearch,
    decision: PolicyDecision,
  ): Promise<{ accounts: AccountSummary[]; nextOffset: number | null }> {
    if (decision.result === AuthorizeResult.DENY)
      return { accounts: [], nextOffset: null };
    const query = this.knex<DbAccountRow>('accounts')
      .select('id', 'name', 'plan', 'region')
      .orderBy([{ column: 'name' }, { column: 'id' }])
      .limit(search.limit + 1)
      .offset(search.offset);
    const q = search.q?.trim() ?? '';
    if (q !== '') {
      const pattern = `%${q.replace(/[\\%_]/g, c => `\\${c}`)}%`;
      query.where(b => {
        b.where('name', 'ilike', pattern);
        if (UUID_RE.test(q)) b.orWhere('id', q.toLowerCase());
      });
    }
    if (decision.result === AuthorizeResult.CONDITIONAL)
      query.where(b => applyCriteria(b, decision.conditions));
    const rows: DbAccountRow[] = await query;
    const page = rows.slice(0, search.limit);
    return {
      accounts: page.map(r => ({
        id: String(r.id),
        name: r.name,
        plan: r.plan,
        region: r.region,
      })),
      nextOffset:
        rows.length > search.limit ? search.offset + search.limit : null,
    };
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }
}
