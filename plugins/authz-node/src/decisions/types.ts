/** Decisions of one minute and cache outcome with their latency histogram. */
export interface DecisionLatencyMinute {
  /** Start of the minute (UTC). */
  minute: Date;
  cacheHit: boolean;
  decisions: number;
  /** NON-cumulative counts per `bucketBoundsMs` bound, then one overflow count. */
  buckets: number[];
}

export interface DecisionLatencyReader {
  readonly bucketBoundsMs: readonly number[];
  /** Ordered by minute; `[from, to)`; only `cacheHit` decisions when given. */
  latencyMinutes(q: {
    from: Date;
    to: Date;
    cacheHit?: boolean;
  }): Promise<DecisionLatencyMinute[]>;
}
