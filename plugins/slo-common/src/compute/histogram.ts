/**
 * Good events of a latency SLI from a NON-cumulative histogram (one count per bound, then the
 * overflow count): requests that took at most `thresholdMs`. Exact only when the threshold is
 * one of the bounds, which SLO validation enforces — never an interpolation or an average.
 */
export function latencyGood(
  buckets: readonly number[],
  boundsMs: readonly number[],
  thresholdMs: number,
): number {
  const last = boundsMs.indexOf(thresholdMs);
  if (last < 0) {
    throw new Error(
      `latency threshold ${thresholdMs} ms is not a histogram bound`,
    );
  }
  let good = 0;
  for (let i = 0; i <= last; i++) good += buckets[i] ?? 0;
  return good;
}
