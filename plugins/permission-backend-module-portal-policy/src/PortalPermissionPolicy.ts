import {
  catalogEntityCreatePermission,
  catalogEntityDeletePermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  isPermission,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  filtersAccountActPermission,
  filtersDataClassReadPermission,
} from '@internal/plugin-filters-common';
import { isPortalPluginId } from '@internal/plugin-platform-common';
import {
  ADMIN_ONLY_PERMISSIONS,
  isAdmin,
  OPEN_WRITE_PERMISSIONS,
  PUBLIC_DATA_CLASS,
} from './roles';
import { accountIn, dataClassesIn } from './conditions';
import { PortalPolicyLookups } from './lookups';

/**
 * Catalog changes that decide what the catalog (and so this policy) believes: registering or
 * removing locations, creating or unregistering entities. Platform admins only.
 */
const CATALOG_ADMIN_PERMISSIONS = [
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
  catalogEntityCreatePermission,
  catalogEntityDeletePermission,
];

const MUTATING_ACTIONS = new Set(['create', 'update', 'delete']);
const isOneOf = (permission: Permission, list: Permission[]) =>
  list.some(p => isPermission(permission, p));
const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * The TypeScript original of the portal policy, kept as the test oracle of the Rego policy that
 * decides in the running backend (RegoPortalPermissionPolicy; `permission.portalPolicy:
 * typescript` selects this one instead).
 *
 * Roles come from catalog team membership: Platform Services and SRE administer the platform;
 * every signed-in engineer reads; customer-account access and data classes are granted per
 * team in the catalog. `ownershipRefs` must return only what the organisation's own catalog
 * locations vouch for (see TrustedOrgDirectory).
 */
export class PortalPermissionPolicy implements PermissionPolicy {
  constructor(private readonly deps: PortalPolicyLookups) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const pluginId = permission.name.split('.')[0];
    const ownPermission = isPortalPluginId(pluginId);
    const catalogAdmin = isOneOf(permission, CATALOG_ADMIN_PERMISSIONS);
    if (!user) {
      // Backstage only asks the policy about users; be explicit about anything else.
      return ownPermission || catalogAdmin ? deny : allow;
    }
    const refs = await this.deps.ownershipRefs(user);
    const groups = refs.filter(ref => ref.startsWith('group:'));

    // Data classes are held per team, admin or not.
    if (isPermission(permission, filtersDataClassReadPermission)) {
      const held = await this.deps.dataClasses(groups);
      return dataClassesIn([PUBLIC_DATA_CLASS, ...held]);
    }

    if (isAdmin(refs)) return allow;
    if (catalogAdmin) return deny;

    if (isOneOf(permission, ADMIN_ONLY_PERMISSIONS)) return deny;
    if (
      ownPermission &&
      MUTATING_ACTIONS.has(permission.attributes.action ?? 'read') &&
      !isOneOf(permission, OPEN_WRITE_PERMISSIONS)
    ) {
      return deny;
    }

    // Resource permissions answer with conditions; the filters plugin applies them to the
    // account being asked about (see ./conditions.ts).
    if (isPermission(permission, filtersAccountActPermission)) {
      const access = await this.deps.accountAccess(groups);
      if (access === 'all') return allow;
      if (access.size === 0) return deny;
      return accountIn([...access]);
    }
    return allow;
  }
}
