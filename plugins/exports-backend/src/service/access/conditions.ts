import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PermissionRule,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import {
  FILTERS_ACCOUNT_RESOURCE_TYPE,
  FILTERS_DATA_CLASS_RESOURCE_TYPE,
} from '@internal/plugin-filters-common';
import { accountInRule, dataClassInRule } from '@internal/plugin-filters-node';
import { RequiredPermission } from './requiredPermissions';

function rulesetOf<TResource>(
  rules: PermissionRule<TResource, any, string>[],
): PermissionRuleset<TResource> {
  return {
    getRuleByName: name => {
      const rule = rules.find(r => r.name === name);
      if (!rule) throw new Error(`no permission rule ${name}`);
      return rule;
    },
  };
}

// The rules the filters backend registers for its resource types: a conditional decision is
// applied here exactly as its permission integration router would apply it.
const authorizeAccount = createConditionAuthorizer(rulesetOf([accountInRule]));
const authorizeDataClass = createConditionAuthorizer(
  rulesetOf([dataClassInRule]),
);

/**
 * Whether a policy decision allows the required permission: ALLOW, or CONDITIONAL with
 * conditions for the permission's resource type that hold for its resource. A conditional
 * decision for any other resource type (or an unknown rule) does not allow.
 */
export function decisionAllows(
  decision: PolicyDecision,
  required: RequiredPermission,
): boolean {
  if (decision.result !== AuthorizeResult.CONDITIONAL) {
    return decision.result === AuthorizeResult.ALLOW;
  }
  const resource = required.resource;
  try {
    if (
      resource &&
      'account' in resource &&
      decision.resourceType === FILTERS_ACCOUNT_RESOURCE_TYPE
    ) {
      return authorizeAccount(decision, { id: resource.account });
    }
    if (
      resource &&
      'dataClass' in resource &&
      decision.resourceType === FILTERS_DATA_CLASS_RESOURCE_TYPE
    ) {
      return authorizeDataClass(decision, { name: resource.dataClass });
    }
  } catch {
    return false;
  }
  return false;
}
