import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  ADMIN_ONLY_PERMISSIONS,
  isAdmin,
  OPEN_WRITE_PERMISSIONS,
  PORTAL_PLUGIN_IDS,
  RESTRICTED_DATA_CLASSES,
} from './roles';
import { accountIn, notDataClasses } from './conditions';

/** Looks up which customer accounts a set of groups grants (cached by the caller). */
export type AccountAccessLookup = (
  groupRefs: string[],
) => Promise<'all' | Set<string>>;

const MUTATING_ACTIONS = new Set(['create', 'update', 'delete']);
const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * Roles come from catalog team membership: Platform Services and SRE administer the platform;
 * every signed-in engineer reads; customer-account access is granted per team in the catalog.
 */
export class PortalPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly deps: {
      ownershipRefs: (user: PolicyQueryUser) => Promise<string[]>;
      accountAccess: AccountAccessLookup;
    },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const pluginId = permission.name.split('.')[0];
    const ownPermission = PORTAL_PLUGIN_IDS.includes(pluginId);
    if (!user) {
      // Backstage only asks the policy about users; be explicit about anything else.
      return ownPermission ? deny : allow;
    }
    const refs = await this.deps.ownershipRefs(user);
    const admin = isAdmin(refs);
    if (admin) return allow;

    if (ADMIN_ONLY_PERMISSIONS.has(permission.name)) return deny;
    if (
      ownPermission &&
      MUTATING_ACTIONS.has(permission.attributes.action ?? 'read') &&
      !OPEN_WRITE_PERMISSIONS.has(permission.name)
    ) {
      return deny;
    }

    // Resource permissions answer with conditions; the filters plugin applies them to the
    // account or data class being asked about (see ./conditions.ts).
    if (permission.name === 'filters.data-class.read') {
      return notDataClasses([...RESTRICTED_DATA_CLASSES]);
    }
    if (permission.name === 'filters.account.act') {
      const access = await this.deps.accountAccess(
        refs.filter(ref => ref.startsWith('group:')),
      );
      if (access === 'all') return allow;
      if (access.size === 0) return deny;
      return accountIn([...access]);
    }
    return allow;
  }
}
