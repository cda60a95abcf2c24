import { Permission } from '@backstage/plugin-permission-common';
import {
  platformAuditReadPermission,
  platformRumReportPermission,
} from '@internal/plugin-platform-common';
import { exportsCreatePermission } from '@internal/plugin-exports-common';

/** Teams whose members administer the platform (see catalog/org-groups.yaml). */
export const ADMIN_GROUPS = [
  'group:default/platform-services',
  'group:default/sre',
];

/** Group annotation listing the customer accounts a team may act for: `*`, `none` or uuids. */
export const ACCOUNT_ACCESS_ANNOTATION = 'platform.portal/account-access';

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

/**
 * Group annotation listing the data classes beyond `public` a team's members may read, e.g.
 * `pii`. Being a platform admin does not imply it.
 */
export const DATA_CLASSES_ANNOTATION = 'platform.portal/data-classes';

/** Every signed-in engineer may read fields of this class (or of none). */
export const PUBLIC_DATA_CLASS = 'public';

export function isAdmin(ownershipEntityRefs: string[]): boolean {
  return ownershipEntityRefs.some(ref =>
    ADMIN_GROUPS.includes(ref.toLocaleLowerCase('en-US')),
  );
}

/** Parses the account-access annotation; `'all'` for `*`, else the listed account ids. */
export function parseAccountAccess(
  value: string | undefined,
): 'all' | Set<string> {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '*') return 'all';
  if (trimmed === '' || trimmed === 'none') return new Set();
  return new Set(
    trimmed
      .split(',')
      .map(id => id.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Parses the data-classes annotation: comma-separated class names. */
export function parseDataClasses(value: string | undefined): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map(name => name.trim().toLowerCase())
      .filter(Boolean),
  );
}
