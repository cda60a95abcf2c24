import { createPermission } from '@backstage/plugin-permission-common';

/** Read SLOs, budgets, burn rates, alerts, history and runbooks (any signed-in engineer). */
export const sloReadPermission = createPermission({
  name: 'slo.slo.read',
  attributes: { action: 'read' },
});

/** Define an SLO through the API (admins). */
export const sloCreatePermission = createPermission({
  name: 'slo.slo.create',
  attributes: { action: 'create' },
});

/** Remove an SLO defined through the API (admins). */
export const sloDeletePermission = createPermission({
  name: 'slo.slo.delete',
  attributes: { action: 'delete' },
});

/** Backfill an SLO's per-minute (good, total) series (admins, import scripts). */
export const sloSeriesWritePermission = createPermission({
  name: 'slo.series.write',
  attributes: { action: 'update' },
});

export const sloPermissions = [
  sloReadPermission,
  sloCreatePermission,
  sloDeletePermission,
  sloSeriesWritePermission,
];
