import { ServiceUnavailableError } from '@backstage/errors';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { TrustedOrgDirectory } from '@internal/plugin-catalog-backend-module-org-trust';
import { decisionAllows } from './conditions';
import { currentOrgUserInfo } from './orgUser';
import { PortalUserPolicy } from './portalUserPolicy';
import {
  ExportJobAccess,
  LossFilter,
  requiredPermissions,
  revokedReason,
} from './requiredPermissions';

/**
 * Why the user who requested the job may no longer run it (undefined: they still may), decided
 * by the portal policy on the user's teams as the catalog has them now. Throws
 * ServiceUnavailableError when the catalog or the policy cannot answer.
 */
export async function userAccessLost(options: {
  userEntityRef: string;
  job: ExportJobAccess;
  directory: TrustedOrgDirectory;
  policy: PortalUserPolicy;
  matters?: LossFilter;
}): Promise<string | undefined> {
  const { userEntityRef, job, directory } = options;
  let info;
  try {
    info = await currentOrgUserInfo(directory, userEntityRef);
  } catch (error) {
    throw new ServiceUnavailableError(
      `the catalog could not be read for ${userEntityRef}: ${
        (error as Error).message
      }`,
      error as Error,
    );
  }
  if (!info) {
    return `${userEntityRef} is no longer a user of the organisation's catalog`;
  }
  const user: PolicyQueryUser = {
    credentials: {
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef: info.userEntityRef },
    },
    info,
  };
  const policy = options.policy(directory);
  const lost = [];
  for (const required of requiredPermissions(job)) {
    const decision = await policy.handle(
      { permission: required.permission },
      user,
    );
    if (!decisionAllows(decision, required)) lost.push(required);
  }
  return revokedReason(userEntityRef, options.matters?.(lost) ?? lost);
}
