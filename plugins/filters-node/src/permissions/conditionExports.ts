import { createConditionExports } from '@backstage/plugin-permission-node';
import {
  accountInRule,
  dataClassInRule,
  filtersAccountResourceRef,
  filtersDataClassResourceRef,
} from './rules';

const accountExports = createConditionExports({
  resourceRef: filtersAccountResourceRef,
  rules: { accountIn: accountInRule },
});

const dataClassExports = createConditionExports({
  resourceRef: filtersDataClassResourceRef,
  rules: { dataClassIn: dataClassInRule },
});

/**
 * Typed conditions for `filters-account` (`filters.account.act`): a policy answers with
 * `createFiltersAccountConditionalDecision(permission, filtersAccountConditions.accountIn({ accountIds }))`.
 */
export const filtersAccountConditions = accountExports.conditions;
export const createFiltersAccountConditionalDecision =
  accountExports.createConditionalDecision;

/**
 * Typed conditions for `filters-data-class` (`filters.data-class.read`), e.g.
 * `{ not: filtersDataClassConditions.dataClassIn({ classes: ['pii'] }) }`.
 */
export const filtersDataClassConditions = dataClassExports.conditions;
export const createFiltersDataClassConditionalDecision =
  dataClassExports.createConditionalDecision;
