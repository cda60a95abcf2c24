import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Create an export (and retry or cancel one's own). The account and the data classes of the
 * chosen fields are checked as well, through the filter engine's `filters.account.act` and
 * `filters.data-class.read`.
 */
export const exportsCreatePermission = createPermission({
  name: 'exports.export.create',
  attributes: { action: 'create' },
});

/** Read one's own exports and fetch their download URLs. */
export const exportsReadPermission = createPermission({
  name: 'exports.export.read',
  attributes: { action: 'read' },
});

/** See and manage everyone's exports (the admin view, filters by team, account, status). */
export const exportsAdminPermission = createPermission({
  name: 'exports.export.admin',
  attributes: { action: 'update' },
});

export const exportsPermissions = [
  exportsCreatePermission,
  exportsReadPermission,
  exportsAdminPermission,
];
