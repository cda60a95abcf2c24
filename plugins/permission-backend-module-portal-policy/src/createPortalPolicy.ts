import { TrustedOrgDirectory } from '@internal/plugin-catalog-backend-module-org-trust';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { PortalPermissionPolicy } from './PortalPermissionPolicy';
import {
  ACCOUNT_ACCESS_ANNOTATION,
  DATA_CLASSES_ANNOTATION,
  parseAccountAccess,
  parseDataClasses,
} from './roles';

/**
 * The portal policy reading teams from the organisation's catalog locations only: memberships
 * and `platform.portal/*` annotations from any other location change no decision.
 */
export function createPortalPolicy(options: {
  directory: TrustedOrgDirectory;
  userInfo: (
    user: PolicyQueryUser,
  ) => Promise<{ userEntityRef: string; ownershipEntityRefs: string[] }>;
}): PortalPermissionPolicy {
  const { directory, userInfo } = options;
  return new PortalPermissionPolicy({
    ownershipRefs: async user => {
      const info = await userInfo(user);
      return directory.trustedOwnershipRefs(
        info.userEntityRef,
        info.ownershipEntityRefs,
      );
    },
    accountAccess: async groupRefs => {
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
    },
    dataClasses: async groupRefs => {
      const held = new Set<string>();
      const values = await directory.orgGroupAnnotation(
        groupRefs,
        DATA_CLASSES_ANNOTATION,
      );
      values.forEach(value =>
        parseDataClasses(value).forEach(c => held.add(c)),
      );
      return held;
    },
  });
}
