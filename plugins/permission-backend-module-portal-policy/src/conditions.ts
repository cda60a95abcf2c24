import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';

/**
 * Conditional decisions for the filters plugin's resource permissions. The filters backend
 * registers these resource types and rules (permissionsRegistry.addResourceType); the names
 * here are the contract between the two.
 */
export const FILTERS_ACCOUNT_RESOURCE = 'filters-account';
export const FILTERS_DATA_CLASS_RESOURCE = 'filters-data-class';
/** Rule on filters-account: the account's id is one of params.accountIds. */
export const RULE_ACCOUNT_IN = 'ACCOUNT_IN';
/** Rule on filters-data-class: the class's name is one of params.classes. */
export const RULE_DATA_CLASS_IN = 'DATA_CLASS_IN';

export function accountIn(accountIds: string[]): PolicyDecision {
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'filters',
    resourceType: FILTERS_ACCOUNT_RESOURCE,
    conditions: {
      rule: RULE_ACCOUNT_IN,
      resourceType: FILTERS_ACCOUNT_RESOURCE,
      params: { accountIds },
    },
  };
}

export function notDataClasses(classes: string[]): PolicyDecision {
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'filters',
    resourceType: FILTERS_DATA_CLASS_RESOURCE,
    conditions: {
      not: {
        rule: RULE_DATA_CLASS_IN,
        resourceType: FILTERS_DATA_CLASS_RESOURCE,
        params: { classes },
      },
    },
  };
}
