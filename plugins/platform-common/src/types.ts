import type { DataClass } from './constants';

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
export interface StoredEvent extends EventEnvelope {
  cursor: string;
  received_at: string;
  /** user_id, or the user an `identity.merged` event linked this anonymous_id to. */
  resolved_user_id?: string;
  reattributed: boolean;
}

/** One JSON Schema violation (ajv's instancePath, schemaPath and message). */
export interface SchemaViolation {
  instancePath: string;
  schemaPath: string;
  message: string;
}

export interface DeadLetter {
  id: string;
  event_id?: string;
  name: string;
  producer: string;
  payload: Record<string, unknown>;
  violations: SchemaViolation[];
  received_at: string;
  replay_attempts: number;
  replayed_at?: string;
}

export interface ReplayReport {
  dryRun: boolean;
  examined: number;
  /** Valid now and (unless dry run) written to the event log. */
  replayed: number;
  stillInvalid: number;
  /** Replayed before: skipped, so a second replay changes nothing. */
  alreadyReplayed: number;
  /** The event_id was already in the log (e.g. delivered by a retry): marked replayed only. */
  alreadyInLog: number;
}

/** The built-in checks; plugins add their own through platformQaExtensionPoint. */
export type QaCheckKind = 'volume_anomaly' | 'null_rate' | 'duplicate_rate';
export type QaStatus = 'pass' | 'fail' | 'insufficient_data';

export interface QaCheckResult {
  run_id: string;
  /** A QaCheckKind, or the id of a check another plugin added. */
  check: QaCheckKind | (string & {});
  event_type: string;
  field?: string;
  value: number | null;
  threshold: string;
  status: QaStatus;
  detail: string;
  window_start: string;
  window_end: string;
  checked_at: string;
}

export interface VolumePoint {
  bucket: string;
  event_type: string;
  count: number;
}

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

export interface AuditRecord {
  seq: string;
  id: string;
  recorded_at: string;
  occurred_at: string;
  actor: string;
  action: string;
  resource: string;
  outcome: string;
  severity: string;
  plugin: string;
  meta: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface AuditVerifyResult {
  valid: boolean;
  checked: number;
  firstSeq?: string;
  lastSeq?: string;
  anchor?: {
    firstSeq: string;
    prevHash: string;
    purgedCount: number;
    createdAt: string;
  };
  firstBroken?: {
    seq: string;
    id: string;
    reason: string;
    expected?: string;
    actual?: string;
  };
  verifiedAt: string;
}

export interface ServiceTelemetrySummary {
  service: string;
  requests: number;
  errors: number;
  error_rate: number;
  p95_ms?: number;
  p99_ms?: number;
}

export interface RetentionClassResult {
  dataClass: DataClass;
  retentionDays: number;
  cutoff: string;
  deleted: Record<string, number>;
}

export interface RetentionRunReport {
  runId: string;
  ranAt: string;
  results: RetentionClassResult[];
}
