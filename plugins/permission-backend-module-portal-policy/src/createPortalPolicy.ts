import { TrustedOrgDirectory } from '@internal/plugin-catalog-backend-module-org-trust';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  PortalPolicyProvider,
  teamsAccountAccess,
  teamsDataClasses,
} from '@internal/plugin-authz-node';
import { PortalPermissionPolicy } from './PortalPermissionPolicy';
import {
  PortalDecisionRecord,
  RegoPortalPermissionPolicy,
} from './RegoPortalPermissionPolicy';
import { PortalPolicyLookups } from './lookups';

export interface PortalPolicyOptions {
  directory: TrustedOrgDirectory;
  userInfo: (
    user: PolicyQueryUser,
  ) => Promise<{ userEntityRef: string; ownershipEntityRefs: string[] }>;
}

/**
 * What the policy reads about a user, from the organisation's catalog locations only:
 * memberships and `platform.portal/*` annotations from any other location change no decision.
 */
export function portalPolicyLookups(
  options: PortalPolicyOptions,
): PortalPolicyLookups {
  const { directory, userInfo } = options;
  return {
    ownershipRefs: async user => {
      const info = await userInfo(user);
      return directory.trustedOwnershipRefs(
        info.userEntityRef,
        info.ownershipEntityRefs,
      );
    },
    accountAccess: groupRefs => teamsAccountAccess(directory, groupRefs),
    dataClasses: groupRefs => teamsDataClasses(directory, groupRefs),
  };
}

/** The TypeScript portal policy (the Rego policy's test oracle; `permission.portalPolicy: typescript`). */
export function createPortalPolicy(
  options: PortalPolicyOptions,
): PortalPermissionPolicy {
  return new PortalPermissionPolicy(portalPolicyLookups(options));
}

/** The portal policy the backend runs: the Rego policy (the active stored portal revision). */
export function createRegoPortalPolicy(
  options: PortalPolicyOptions & {
    policy: PortalPolicyProvider;
    onDecision?: (record: PortalDecisionRecord) => Promise<void> | void;
    onError?: (error: Error) => void;
  },
): RegoPortalPermissionPolicy {
  const { policy, onDecision, onError } = options;
  return new RegoPortalPermissionPolicy({
    ...portalPolicyLookups(options),
    policy,
    onDecision,
    onError,
  });
}
