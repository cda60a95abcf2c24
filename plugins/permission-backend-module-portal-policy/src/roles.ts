/** Teams whose members administer the platform (see catalog/org-groups.yaml). */
export const ADMIN_GROUPS = [
  'group:default/platform-services',
  'group:default/sre',
];

/** Group annotation listing the customer accounts a team may act for: `*`, `none` or uuids. */
export const ACCOUNT_ACCESS_ANNOTATION = 'platform.portal/account-access';

/** Plugins of this portal; their mutating permissions are for platform admins only. */
export const PORTAL_PLUGIN_IDS = [
  'platform',
  'filters',
  'exports',
  'authz',
  'slo',
  'capacity',
  'adoption',
];

/** Writes every signed-in user may make (e.g. reporting their own page-load timings). */
export const OPEN_WRITE_PERMISSIONS = new Set(['platform.rum.report']);

/** Reads that are nonetheless admin-only. */
export const ADMIN_ONLY_PERMISSIONS = new Set(['platform.audit.read']);

/** Data classes only admins may read. */
export const RESTRICTED_DATA_CLASSES = new Set(['pii']);

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
