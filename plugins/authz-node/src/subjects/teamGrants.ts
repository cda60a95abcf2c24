/** Group annotation listing the customer accounts a team may act for: `*`, `none` or uuids. */
export const ACCOUNT_ACCESS_ANNOTATION = 'platform.portal/account-access';

/**
 * Group annotation listing the data classes beyond `public` a team's members may read, e.g.
 * `pii`. Being a platform admin does not imply it.
 */
export const DATA_CLASSES_ANNOTATION = 'platform.portal/data-classes';

/** Reads one annotation of the organisation's Group entities (TrustedOrgDirectory has it). */
export interface GroupAnnotations {
  /** The value of `annotation` on each organisation Group among `groupRefs` that has it. */
  orgGroupAnnotation(
    groupRefs: string[],
    annotation: string,
  ): Promise<string[]>;
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

/** The customer accounts the teams grant together: `'all'` if any grants `*`. */
export async function teamsAccountAccess(
  directory: GroupAnnotations,
  groupRefs: string[],
): Promise<'all' | Set<string>> {
  const granted = new Set<string>();
  const values = await directory.orgGroupAnnotation(
    groupRefs,
    ACCOUNT_ACCESS_ANNOTATION,
  );
  for (const value of values) {
    const access = parseAccountAccess(value);
    if (access === 'all') return 'all';
    access.forEach(id => granted.add(id));
  }
  return granted;
}

/** The data classes beyond `public` the teams hold together. */
export async function teamsDataClasses(
  directory: GroupAnnotations,
  groupRefs: string[],
): Promise<Set<string>> {
  const held = new Set<string>();
  const values = await directory.orgGroupAnnotation(
    groupRefs,
    DATA_CLASSES_ANNOTATION,
  );
  values.forEach(value => parseDataClasses(value).forEach(c => held.add(c)));
  return held;
}
