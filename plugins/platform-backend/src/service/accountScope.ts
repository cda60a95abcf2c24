import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PermissionCriteria,
  PermissionCondition,
} from '@backstage/plugin-permission-common';
import { filtersAccountActPermission } from '@internal/plugin-filters-common';

/** The customer accounts whose platform data a caller may read: every one, or a list. */
export type AccountScope = 'all' | readonly string[];

type Criteria = PermissionCriteria<PermissionCondition<string>>;

/** Account ids an ACCOUNT_IN condition tree grants (anyOf unions; anything else grants none). */
function accountsOf(criteria: Criteria): string[] {
  if ('anyOf' in criteria) return criteria.anyOf.flatMap(accountsOf);
  if ('allOf' in criteria) {
    const [first, ...rest] = criteria.allOf.map(accountsOf);
    return (first ?? []).filter(a => rest.every(r => r.includes(a)));
  }
  if ('not' in criteria) return [];
  const params = criteria.params as { accountIds?: unknown } | undefined;
  if (criteria.rule !== 'ACCOUNT_IN' || !Array.isArray(params?.accountIds)) {
    return [];
  }
  return params.accountIds.filter((a): a is string => typeof a === 'string');
}

/**
 * The caller's account access, asked of the permission policy through the portal's account
 * permission (`filters.account.act`, the same decision the filter engine applies): allow →
 * every account; an ACCOUNT_IN condition → those accounts; deny → none.
 */
export async function resolveAccountScope(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
): Promise<AccountScope> {
  const [decision] = await permissions.authorizeConditional(
    [{ permission: filtersAccountActPermission }],
    { credentials },
  );
  if (decision.result === AuthorizeResult.ALLOW) return 'all';
  if (decision.result !== AuthorizeResult.CONDITIONAL) return [];
  return [
    ...new Set(accountsOf(decision.conditions).map(a => a.toLowerCase())),
  ];
}

/** True when the scope covers `accountId`. */
export function inScope(scope: AccountScope, accountId: string): boolean {
  return scope === 'all' || scope.includes(accountId.toLowerCase());
}
