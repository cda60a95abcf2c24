import { PolicyDecision } from '@backstage/plugin-permission-common';
import {
  filtersAccountActPermission,
  filtersDataClassReadPermission,
} from '@internal/plugin-filters-common';
import {
  createFiltersAccountConditionalDecision,
  createFiltersDataClassConditionalDecision,
  filtersAccountConditions,
  filtersDataClassConditions,
} from '@internal/plugin-filters-node';

/**
 * Conditional decisions for the filters plugin's resource permissions, built from the rules
 * filters-node exports: a renamed rule or resource type breaks the build, not production.
 */
export function accountIn(accountIds: string[]): PolicyDecision {
  return createFiltersAccountConditionalDecision(
    filtersAccountActPermission,
    filtersAccountConditions.accountIn({ accountIds }),
  );
}

/** Only the listed classes: a class nobody granted (a new one included) stays unreadable. */
export function dataClassesIn(classes: string[]): PolicyDecision {
  return createFiltersDataClassConditionalDecision(
    filtersDataClassReadPermission,
    filtersDataClassConditions.dataClassIn({
      classes: [...new Set(classes)].sort(),
    }),
  );
}
