import { PolicyQueryUser } from '@backstage/plugin-permission-node';

/** Looks up which customer accounts a set of groups grants (cached by the caller). */
export type AccountAccessLookup = (
  groupRefs: string[],
) => Promise<'all' | Set<string>>;

/** Looks up which data classes beyond `public` a set of groups holds. */
export type DataClassLookup = (groupRefs: string[]) => Promise<Set<string>>;

/** What the portal policy knows about a user, looked up in the organisation's catalog. */
export interface PortalPolicyLookups {
  /** Only what the organisation's own catalog locations vouch for (TrustedOrgDirectory). */
  ownershipRefs: (user: PolicyQueryUser) => Promise<string[]>;
  accountAccess: AccountAccessLookup;
  dataClasses: DataClassLookup;
}
