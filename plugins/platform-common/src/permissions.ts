import { createPermission } from '@backstage/plugin-permission-common';

/** Read the analytics event log, its volume, dead letters and data-QA results. */
export const platformEventsReadPermission = createPermission({
  name: 'platform.events.read',
  attributes: { action: 'read' },
});

/** Replay dead-lettered events into the event log. */
export const platformDeadLetterReplayPermission = createPermission({
  name: 'platform.deadletters.replay',
  attributes: { action: 'update' },
});

/** Query, export and verify the tamper-evident audit store. */
export const platformAuditReadPermission = createPermission({
  name: 'platform.audit.read',
  attributes: { action: 'read' },
});

/** Read request telemetry: rollups, RUM timings and the Prometheus exposition. */
export const platformTelemetryReadPermission = createPermission({
  name: 'platform.telemetry.read',
  attributes: { action: 'read' },
});

/** Report one's own real-user page-load timings. */
export const platformRumReportPermission = createPermission({
  name: 'platform.rum.report',
  attributes: { action: 'create' },
});

/** Run data-QA checks or a retention purge on demand. */
export const platformOperatePermission = createPermission({
  name: 'platform.jobs.run',
  attributes: { action: 'update' },
});

export const platformPermissions = [
  platformEventsReadPermission,
  platformDeadLetterReplayPermission,
  platformAuditReadPermission,
  platformTelemetryReadPermission,
  platformRumReportPermission,
  platformOperatePermission,
];
