import {
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  FILTERS_ACCOUNT_RESOURCE_TYPE,
  FILTERS_DATA_CLASS_RESOURCE_TYPE,
} from '@internal/plugin-filters-common';

/** The resources the filters permissions are about: an account (by uuid), a data class. */
export interface FiltersAccountResource {
  id: string;
}
export interface FiltersDataClassResource {
  name: string;
}

/** Criteria are never turned into queries here: decisions are applied to single resources. */
type NoQuery = { never: true };

export const filtersAccountResourceRef = createPermissionResourceRef<
  FiltersAccountResource,
  NoQuery
>().with({ pluginId: 'filters', resourceType: FILTERS_ACCOUNT_RESOURCE_TYPE });

export const filtersDataClassResourceRef = createPermissionResourceRef<
  FiltersDataClassResource,
  NoQuery
>().with({
  pluginId: 'filters',
  resourceType: FILTERS_DATA_CLASS_RESOURCE_TYPE,
});

/**
 * `ACCOUNT_IN` and `DATA_CLASS_IN`: the contract with the portal permission policy, which
 * answers `filters.account.act` / `filters.data-class.read` with conditions on these rules.
 */
export const accountInRule = createPermissionRule<
  typeof filtersAccountResourceRef,
  { accountIds: string[] }
>({
  name: 'ACCOUNT_IN',
  description: 'The account is one of the listed account ids',
  resourceRef: filtersAccountResourceRef,
  apply: (resource, { accountIds }) =>
    accountIds.map(a => a.toLowerCase()).includes(resource.id.toLowerCase()),
  toQuery: () => ({ never: true }),
});

export const dataClassInRule = createPermissionRule<
  typeof filtersDataClassResourceRef,
  { classes: string[] }
>({
  name: 'DATA_CLASS_IN',
  description: 'The data class is one of the listed classes',
  resourceRef: filtersDataClassResourceRef,
  apply: (resource, { classes }) => classes.includes(resource.name),
  toQuery: () => ({ never: true }),
});
