/**
 * Shared platform plumbing for every platform backend: the event contract (schema registry,
 * transactional outbox, consumers), request telemetry and the process-wide platform hub.
 *
 * @packageDocumentation
 */
export {
  migratedDatabase,
  otherPluginDatabase,
} from './database/pluginDatabases';
export { NotificationListener } from './database/NotificationListener';
export type { NotificationListenerOptions } from './database/NotificationListener';
export { EventSchemaRegistry } from './events/EventSchemaRegistry';
export type { EventSchemaDocument } from './events/EventSchemaRegistry';
export { EventProducer, isUuid } from './events/EventProducer';
export type {
  EmitOptions,
  EmitResult,
  EventToEmit,
  PreparedEvents,
} from './events/EventProducer';
export { OutboxRelay } from './events/OutboxRelay';
export { EventConsumer, DEDUPE_WINDOW_MS } from './events/EventConsumer';
export type { EventConsumerOptions } from './events/EventConsumer';
export {
  migratePlatformNodeTables,
  rollbackPlatformNodeTables,
  NODE_MIGRATIONS_TABLE,
} from './events/migrations';
export {
  TelemetryAggregator,
  bucketIndex,
  statusClass,
} from './telemetry/TelemetryAggregator';
export type { RequestSample } from './telemetry/TelemetryAggregator';
export {
  requestTelemetryMiddleware,
  routeTemplate,
} from './telemetry/requestTelemetryMiddleware';
export type { TelemetryCaller } from './telemetry/requestTelemetryMiddleware';
export { PlatformHub, platformHubServiceRef } from './hub';
export {
  platformEventsServiceRef,
  requestTelemetryServiceRef,
} from './services';
export type {
  PlatformEventsService,
  RequestTelemetryService,
} from './services';
export { singletonMetric } from './metrics';
export type {
  EventDelivery,
  RequestRollup,
  PlatformSink,
  EventSource,
} from './types';
export { authorizeOrThrow } from './request/authorizeOrThrow';
export { requestAuthorizer } from './request/requestAuthorizer';
export type { RequestAuthorizer } from './request/requestAuthorizer';
export { actorRef } from './request/actorRef';
export { RequestValidationError } from './request/RequestValidationError';
export type { RequestValidationIssue } from './request/RequestValidationError';
export {
  openApiValidationErrors,
  openApiValidationIssues,
} from './request/openApiValidationErrors';
export {
  platformTelemetryReaderServiceRef,
  TELEMETRY_READER_WAIT_MS,
} from './telemetry/telemetryReader';
export type {
  TelemetryMinute,
  PlatformTelemetryReader,
  RequestMinutesQuery,
  PageLoadMinutesQuery,
  TeamRequestsQuery,
  TeamRequests,
} from './telemetry/telemetryReader';
export type { PlatformLocalServices } from './hub';
export {
  platformAuditReaderServiceRef,
  AUDIT_READER_WAIT_MS,
} from './audit/auditReader';
export type {
  PlatformAuditReader,
  AuditActivity,
  AuditActivityQuery,
} from './audit/auditReader';
export { stripNul } from './events/stripNul';
export {
  platformRetentionExtensionPoint,
  platformQaExtensionPoint,
} from './extensions';
export type {
  RetentionTarget,
  PlatformRetentionExtensionPoint,
  PlatformQaCheck,
  PlatformQaCheckResult,
  PlatformQaExtensionPoint,
} from './extensions';
export type { OpenApiEndpoint } from './request/openApiEndpoint';
