import { Permission } from '@backstage/plugin-permission-common';
import {
  platformAuditReadPermission,
  platformRumReportPermission,
} from '@internal/plugin-platform-common';
import { exportsCreatePermission } from '@internal/plugin-exports-common';

export {
  ACCOUNT_ACCESS_ANNOTATION,
  DATA_CLASSES_ANNOTATION,
} from '@internal/plugin-authz-node';

/** Teams whose members administer the platform (see catalog/org-groups.yaml). */
export const ADMIN_GROUPS = [
  'group:default/platform-services',
  'group:default/sre',
];

/**
 * Writes every signed-in user may make (e.g. reporting their own page-load timings). Creating
 * an export is one: the export service also checks `filters.account.act` for the account and
 * `filters.data-class.read` for the fields, so only engineers whose team may act for the
 * account can export it.
 */
export const OPEN_WRITE_PERMISSIONS: Permission[] = [
  platformRumReportPermission,
  exportsCreatePermission,
];

/** Reads that are nonetheless admin-only. */
export const ADMIN_ONLY_PERMISSIONS: Permission[] = [
  platformAuditReadPermission,
];

/** Every signed-in engineer may read fields of this class (or of none). */
export const PUBLIC_DATA_CLASS = 'public';

export function isAdmin(ownershipEntityRefs: string[]): boolean {
  return ownershipEntityRefs.some(ref =>
    ADMIN_GROUPS.includes(ref.toLocaleLowerCase('en-US')),
  );
}
