/**
 * The platform's telemetry read service as the SLO plugin consumes it. Same shape as
 * `PlatformTelemetryReader` of `@internal/plugin-platform-node` (declared here structurally so
 * the SLO computation can be tested with a fake).
 */
export interface TelemetryMinute {
  minute: Date;
  resolutionMinutes: number;
  count: number;
  errors: number;
  /** Non-cumulative counts per bucketBoundsMs bound, then one overflow count. */
  buckets: number[];
}

export interface TelemetryReader {
  readonly bucketBoundsMs: readonly number[];
  requestMinutes(q: {
    from: Date;
    to: Date;
    service?: string;
    method?: string;
    route?: string;
  }): Promise<TelemetryMinute[]>;
  pageLoadMinutes(q: {
    from: Date;
    to: Date;
    route?: string;
  }): Promise<TelemetryMinute[]>;
}
