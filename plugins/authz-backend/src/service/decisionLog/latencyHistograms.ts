import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import type { LoggedDecision } from '../DecisionLog';

/** One cache outcome's share of a commit, added to its minute's latency histogram. */
export interface LatencyHistogram {
  cacheHit: boolean;
  decisions: number;
  /** NON-cumulative counts per LATENCY_BUCKETS_MS bound, then the overflow count. */
  buckets: number[];
}

const LATENCY_BOUNDS_US = LATENCY_BUCKETS_MS.map(ms => ms * 1000);

/** The largest value of the `integer` column (~35.8 minutes). */
const MAX_STORED_US = 2_147_483_647;

/**
 * Whole µs, rounded up (a decision never records less time than it took), at most the column's
 * maximum: an absurd latency must not fail the commit that carries other decisions.
 */
export const storedLatencyUs = (latencyUs: number) =>
  Math.min(Math.ceil(latencyUs), MAX_STORED_US);

/** The bucket of a stored latency: the first bound it does not exceed, else the overflow. */
function bucketOf(latencyUs: number): number {
  let i = 0;
  while (i < LATENCY_BOUNDS_US.length && latencyUs > LATENCY_BOUNDS_US[i]) i++;
  return i;
}

/** Histograms of the decisions that carry a latency, by cache outcome (misses first). */
export function latencyHistograms(
  decisions: readonly LoggedDecision[],
): LatencyHistogram[] {
  const byOutcome = [false, true].map(cacheHit => ({
    cacheHit,
    decisions: 0,
    buckets: new Array<number>(LATENCY_BOUNDS_US.length + 1).fill(0),
  }));
  for (const d of decisions) {
    if (d.latencyUs === undefined) continue;
    const h = byOutcome[d.decision.cacheHit ? 1 : 0];
    h.decisions++;
    h.buckets[bucketOf(storedLatencyUs(d.latencyUs))]++;
  }
  return byOutcome.filter(h => h.decisions > 0);
}
