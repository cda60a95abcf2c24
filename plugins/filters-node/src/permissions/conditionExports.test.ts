import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  FILTERS_ACCOUNT_RESOURCE_TYPE,
  FILTERS_DATA_CLASS_RESOURCE_TYPE,
  filtersAccountActPermission,
  filtersDataClassReadPermission,
} from '@internal/plugin-filters-common';
import {
  createFiltersAccountConditionalDecision,
  createFiltersDataClassConditionalDecision,
  filtersAccountConditions,
  filtersDataClassConditions,
} from './conditionExports';
import { accountInRule, dataClassInRule } from './rules';

describe('filters condition exports', () => {
  it('builds the ACCOUNT_IN decision the filters backend registers', () => {
    const decision = createFiltersAccountConditionalDecision(
      filtersAccountActPermission,
      filtersAccountConditions.accountIn({ accountIds: ['a-1'] }),
    );
    expect(decision).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'filters',
      resourceType: FILTERS_ACCOUNT_RESOURCE_TYPE,
      conditions: {
        rule: accountInRule.name,
        resourceType: FILTERS_ACCOUNT_RESOURCE_TYPE,
        params: { accountIds: ['a-1'] },
      },
    });
    expect(accountInRule.name).toBe('ACCOUNT_IN');
  });

  it('builds a negated DATA_CLASS_IN decision', () => {
    const decision = createFiltersDataClassConditionalDecision(
      filtersDataClassReadPermission,
      { not: filtersDataClassConditions.dataClassIn({ classes: ['pii'] }) },
    );
    expect(decision).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'filters',
      resourceType: FILTERS_DATA_CLASS_RESOURCE_TYPE,
      conditions: {
        not: {
          rule: 'DATA_CLASS_IN',
          resourceType: FILTERS_DATA_CLASS_RESOURCE_TYPE,
          params: { classes: ['pii'] },
        },
      },
    });
    expect(dataClassInRule.apply({ name: 'pii' }, { classes: ['pii'] })).toBe(
      true,
    );
  });
});
