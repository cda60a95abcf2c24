import type { components } from './schema/openapi.generated';

/** The shapes the HTTP API serves come from its OpenAPI document. */
type Schemas = components['schemas'];

/** Identity fields of the event contract; each is a UUID where it applies. */
export interface EventIdentity {
  user_id?: string;
  account_id?: string;
  anonymous_id?: string;
}

/** An event as produced and delivered (the envelope plus its properties). */
export interface EventEnvelope extends EventIdentity {
  event_id: string;
  /** Full name as emitted: `noun.verb` or `noun.verb.vN`. */
  name: string;
  occurred_at: string;
  producer: string;
  properties: Record<string, unknown>;
}

/** An event read back from the log, with its delivery cursor and resolved identity. */
export type StoredEvent = Schemas['StoredEvent'];

/** One JSON Schema violation (ajv's instancePath, schemaPath and message). */
export type SchemaViolation = Schemas['SchemaViolation'];

export type DeadLetter = Schemas['DeadLetter'];

export type ReplayReport = Schemas['ReplayReport'];

/** The built-in checks; plugins add their own through platformQaExtensionPoint. */
export type QaCheckKind = 'volume_anomaly' | 'null_rate' | 'duplicate_rate';
export type QaStatus = 'pass' | 'fail' | 'insufficient_data';

export type QaCheckResult = Schemas['QaCheckResult'];

export type VolumePoint = Schemas['VolumePoint'];

export interface AuditRecordInput {
  actor: string;
  action: string;
  resource: string;
  outcome: 'initiated' | 'succeeded' | 'failed';
  severity?: 'low' | 'medium' | 'high' | 'critical';
  plugin?: string;
  occurred_at?: Date;
  meta?: Record<string, unknown>;
}

export type AuditRecord = Schemas['AuditRecord'];

export type AuditVerifyResult = Schemas['AuditVerifyResult'];

export type ServiceTelemetrySummary = Schemas['ServiceTelemetrySummary'];

export type RetentionClassResult = Schemas['RetentionClassResult'];

export type RetentionRunReport = Schemas['RetentionRunReport'];
