import { createPermission } from '@backstage/plugin-permission-common';

/** Ask the permission service for a decision (POST /v1/check and /v1/check/batch). */
export const authzCheckPermission = createPermission({
  name: 'authz.check.run',
  attributes: { action: 'read' },
});

/** Read policy revisions and their sources. */
export const authzPolicyReadPermission = createPermission({
  name: 'authz.policy.read',
  attributes: { action: 'read' },
});

/** Upload, activate or roll back a policy revision. */
export const authzPolicyManagePermission = createPermission({
  name: 'authz.policy.manage',
  attributes: { action: 'update' },
});

export const authzPermissions = [
  authzCheckPermission,
  authzPolicyReadPermission,
  authzPolicyManagePermission,
];
