/**
 * Shared platform plumbing: permissions, constants and API types used by the platform
 * frontend, the platform backend and every platform backend that emits events.
 *
 * @packageDocumentation
 */
export {
  platformEventsReadPermission,
  platformDeadLetterReplayPermission,
  platformAuditReadPermission,
  platformTelemetryReadPermission,
  platformRumReportPermission,
  platformOperatePermission,
  platformPermissions,
} from './permissions';
export {
  PLATFORM_PLUGIN_ID,
  CANONICAL_EVENT_NAMES,
  EVENT_NAME_PATTERN,
  parseEventName,
  LATENCY_BUCKETS_MS,
  DATA_CLASSES,
  DEFAULT_RETENTION_DAYS,
  histogramQuantile,
} from './constants';
export type { DataClass } from './constants';
export { PORTAL_PLUGIN_IDS, isPortalPluginId } from './pluginIds';
export type { PortalPluginId } from './pluginIds';
export type {
  EventIdentity,
  EventEnvelope,
  StoredEvent,
  SchemaViolation,
  DeadLetter,
  ReplayReport,
  QaCheckKind,
  QaStatus,
  QaCheckResult,
  VolumePoint,
  AuditRecordInput,
  AuditRecord,
  AuditVerifyResult,
  ServiceTelemetrySummary,
  RetentionClassResult,
  RetentionRunReport,
} from './types';
export type * as OpenApi from './schema/openapi.generated';
export { OpenApiClient } from './client/OpenApiClient';
export type {
  OpenApiClientDeps,
  OpenApiCallOptions,
  OpenApiResponse,
  OperationResponse,
  OpenApiRequestBody,
  OpenApiQuery,
  PathsWith,
} from './client/OpenApiClient';
