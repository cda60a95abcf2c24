import { createPermission } from '@backstage/plugin-permission-common';

/** Read the inventory, matrix, scorecards, campaigns, roadmap and risks (every engineer). */
export const adoptionReadPermission = createPermission({
  name: 'adoption.read',
  attributes: { action: 'read' },
});

/** Edit risks and open questions (admins; every edit is kept as history). */
export const adoptionRiskUpdatePermission = createPermission({
  name: 'adoption.risk.update',
  attributes: { action: 'update' },
});

/**
 * Report a legacy call through the adapter shim (service principals listed in
 * `adoption.shimReporters`; users need this permission).
 */
export const adoptionLegacyReportPermission = createPermission({
  name: 'adoption.legacy.report',
  attributes: { action: 'create' },
});

export const adoptionPermissions = [
  adoptionReadPermission,
  adoptionRiskUpdatePermission,
  adoptionLegacyReportPermission,
];
