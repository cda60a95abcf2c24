/** One minute of an SLI: `good` of `total` events. */
export interface MinutePoint {
  /** Start of the minute, epoch milliseconds (a multiple of 60,000). */
  minuteMs: number;
  good: number;
  total: number;
}

export const MINUTE_MS = 60_000;

/** Epoch minute index of a time (floor). */
export function minuteIndex(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/**
 * A dense per-minute series over [firstMinute, lastMinute] (epoch minute indexes) with prefix
 * sums, so the (good, total) of any run of minutes costs O(1). Minutes without a point count
 * as (0, 0). Points outside the range are ignored; two points for one minute add up.
 */
export class MinuteSeries {
  private readonly goodPrefix: Float64Array;
  private readonly totalPrefix: Float64Array;

  constructor(
    readonly firstMinute: number,
    readonly lastMinute: number,
    points: Iterable<MinutePoint>,
  ) {
    const length = Math.max(0, lastMinute - firstMinute + 1);
    this.goodPrefix = new Float64Array(length + 1);
    this.totalPrefix = new Float64Array(length + 1);
    for (const p of points) {
      const i = minuteIndex(p.minuteMs) - firstMinute;
      if (i < 0 || i >= length) continue;
      this.goodPrefix[i + 1] += p.good;
      this.totalPrefix[i + 1] += p.total;
    }
    for (let i = 1; i <= length; i++) {
      this.goodPrefix[i] += this.goodPrefix[i - 1];
      this.totalPrefix[i] += this.totalPrefix[i - 1];
    }
  }

  /** (good, total) over the minutes (after, through] — i.e. after+1 … through — clipped. */
  sum(after: number, through: number): { good: number; total: number } {
    const length = this.goodPrefix.length - 1;
    const hi = Math.min(Math.max(through - this.firstMinute + 1, 0), length);
    const lo = Math.min(Math.max(after - this.firstMinute + 1, 0), length);
    if (hi <= lo) return { good: 0, total: 0 };
    return {
      good: this.goodPrefix[hi] - this.goodPrefix[lo],
      total: this.totalPrefix[hi] - this.totalPrefix[lo],
    };
  }
}
