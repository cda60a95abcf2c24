import { createPermission } from '@backstage/plugin-permission-common';

/** Read the clock, samples, projects, the weekly review and cost guardrails (every engineer). */
export const capacityReadPermission = createPermission({
  name: 'capacity.limit.read',
  attributes: { action: 'read' },
});

/** Add or replace a limit by API (admins). */
export const capacityLimitCreatePermission = createPermission({
  name: 'capacity.limit.create',
  attributes: { action: 'create' },
});

/** Remove a limit added by API (admins). */
export const capacityLimitDeletePermission = createPermission({
  name: 'capacity.limit.delete',
  attributes: { action: 'delete' },
});

/**
 * Push samples or spend figures measured elsewhere (admins; service principals must also be
 * listed in `capacity.samplePushers`).
 */
export const capacitySampleCreatePermission = createPermission({
  name: 'capacity.sample.create',
  attributes: { action: 'create' },
});

export const capacityPermissions = [
  capacityReadPermission,
  capacityLimitCreatePermission,
  capacityLimitDeletePermission,
  capacitySampleCreatePermission,
];
