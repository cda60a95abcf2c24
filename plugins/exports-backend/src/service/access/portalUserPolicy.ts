import { ServiceUnavailableError } from '@backstage/errors';
import {
  PermissionPolicy,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  PORTAL_POLICY_ERROR,
  PortalPolicyAnswer,
  PortalPolicyProvider,
} from '@internal/plugin-authz-node';
import { TrustedOrgDirectory } from '@internal/plugin-catalog-backend-module-org-trust';
import {
  createPortalPolicy,
  createRegoPortalPolicy,
} from '@internal/plugin-permission-backend-module-portal-policy';

/** The portal permission policy reading the organisation through `directory`. */
export type PortalUserPolicy = (
  directory: TrustedOrgDirectory,
) => PermissionPolicy;

/** The user info is the one the check reconstructed (there is no token at run time). */
const userInfo = async (user: PolicyQueryUser) => user.info;

/**
 * The Rego portal policy as the permission backend runs it (`createRegoPortalPolicy`: catalog
 * lookups, opa-wasm evaluation, typed conditions), deciding with `policy.current()` at each
 * check. That policy answers a lookup or evaluation error, or no policy in force, with a deny
 * (`policy_error`); here such an answer throws instead, so an unreachable catalog or a missing
 * or broken policy is never mistaken for a revoked permission.
 */
export function regoPortalUserPolicy(
  policy: PortalPolicyProvider,
): PortalUserPolicy {
  return directory => ({
    async handle(request, user) {
      let answer: PortalPolicyAnswer | undefined;
      let cause: Error | undefined;
      const decision = await createRegoPortalPolicy({
        directory,
        userInfo,
        policy,
        onDecision: record => {
          answer = record.answer;
        },
        onError: error => {
          cause = error;
        },
      }).handle(request, user);
      if (!answer || answer.reason === PORTAL_POLICY_ERROR.reason) {
        throw new ServiceUnavailableError(
          `the portal policy could not decide ${request.permission.name}: ${
            cause?.message ??
            'evaluation failed or took too long (policy_error)'
          }`,
          cause,
        );
      }
      return decision;
    },
  });
}

/** The TypeScript portal policy (`permission.portalPolicy: typescript`); its errors throw. */
export const typescriptPortalUserPolicy: PortalUserPolicy = directory =>
  createPortalPolicy({ directory, userInfo });
