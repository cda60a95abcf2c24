import {
  AuditRecordInput,
  OpenApi,
  EventEnvelope,
  SchemaViolation,
  StoredEvent,
} from '@internal/plugin-platform-common';

/** An event on its way from a producer's outbox to the platform event log. */
export interface EventDelivery {
  /** The envelope as emitted (possibly invalid: then `violations` is non-empty). */
  payload: Record<string, unknown>;
  violations: SchemaViolation[];
}

/** A minute of request telemetry for one route, status class and caller (`buckets`: counts per
 * LATENCY_BUCKETS_MS bound, then the overflow bucket). */
export type RequestRollup = OpenApi.components['schemas']['RequestRollup'];

/** Where the platform backend takes in what producers send it. */
export interface PlatformSink {
  /** Writes valid events to the log and invalid ones to the dead-letter table. */
  ingestEvents(deliveries: EventDelivery[]): Promise<void>;
  /** Appends audit records; resolves once they are committed. */
  appendAudit(records: AuditRecordInput[]): Promise<void>;
  /** Adds request rollups to the per-minute rollup table. */
  ingestRollups(rollups: RequestRollup[]): Promise<void>;
}

/** Reads the platform event log in delivery order, after a cursor. */
export interface EventSource {
  read(options: {
    after?: string;
    limit: number;
    types?: string[];
  }): Promise<{ events: StoredEvent[]; nextCursor?: string }>;
}

export type { EventEnvelope };
