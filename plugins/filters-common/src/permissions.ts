import { createPermission } from '@backstage/plugin-permission-common';

/** Resource type of `filtersAccountActPermission`; the resourceRef is the account uuid. */
export const FILTERS_ACCOUNT_RESOURCE_TYPE = 'filters-account';
/** Resource type of `filtersDataClassReadPermission`; the resourceRef is the class, e.g. `pii`. */
export const FILTERS_DATA_CLASS_RESOURCE_TYPE = 'filters-data-class';

/** List datasets and use the engine at all (any signed-in user). */
export const filtersDatasetReadPermission = createPermission({
  name: 'filters.dataset.read',
  attributes: { action: 'read' },
});

/** May this caller query the data of the account named by the resourceRef (its uuid)? */
export const filtersAccountActPermission = createPermission({
  name: 'filters.account.act',
  attributes: { action: 'read' },
  resourceType: FILTERS_ACCOUNT_RESOURCE_TYPE,
});

/** May this caller read or filter on fields of the data class named by the resourceRef? */
export const filtersDataClassReadPermission = createPermission({
  name: 'filters.data-class.read',
  attributes: { action: 'read' },
  resourceType: FILTERS_DATA_CLASS_RESOURCE_TYPE,
});

export const filtersPermissions = [
  filtersDatasetReadPermission,
  filtersAccountActPermission,
  filtersDataClassReadPermission,
];
