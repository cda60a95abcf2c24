// Test helpers for plugins that run on the platform's plumbing (import from
// `@internal/plugin-platform-node/testUtils`; never from production code).
export {
  permissionsByRule,
  passthroughRequestTelemetry,
  testScheduler,
  recordingEvents,
} from './services';
export type {
  TestPrincipal,
  TestPermissionRequest,
  RecordedEvent,
} from './services';
export { waitFor } from './waitFor';
export { hubWithMemorySink } from './hub';
export { startWebhookReceiver } from './webhookReceiver';
export type { WebhookReceiver, ReceivedWebhook } from './webhookReceiver';
export { pluginDatabaseConfig } from './pluginDatabaseConfig';
