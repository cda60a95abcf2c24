import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { PortalPolicyAnswer } from '@internal/plugin-authz-node';
import { accountIn, dataClassesIn } from './conditions';

const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

const stringList = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every(v => typeof v === 'string')
    ? value
    : undefined;

/**
 * Turns the Rego answer into a Backstage decision. Conditions are rebuilt with the filters
 * plugin's typed condition exports (never passed through as the policy wrote them); a rule or
 * parameter they do not know denies.
 */
export function portalDecision(answer: PortalPolicyAnswer): PolicyDecision {
  if (answer.result !== 'CONDITIONAL') {
    return answer.result === 'ALLOW' ? allow : deny;
  }
  const { rule, params } = answer.conditions;
  if (
    answer.resourceType === 'filters-data-class' &&
    rule === 'DATA_CLASS_IN'
  ) {
    const classes = stringList(params.classes);
    return classes ? dataClassesIn(classes) : deny;
  }
  if (answer.resourceType === 'filters-account' && rule === 'ACCOUNT_IN') {
    const accountIds = stringList(params.accountIds);
    return accountIds && accountIds.length > 0 ? accountIn(accountIds) : deny;
  }
  return deny;
}
