/** The plugin id shared by the frontend, backend, discovery and permission names. */
export const PLATFORM_PLUGIN_ID = 'platform';

/** The spec's canonical server-side events (section 5, event taxonomy). */
export const CANONICAL_EVENT_NAMES = [
  'dashboard.loaded',
  'export.requested',
  'export.completed',
  'export.failed',
  'filter.applied',
  'filter.rejected',
  'permission.checked',
  'permission.denied',
  'identity.merged',
  'account.limit_approached',
] as const;

/** `noun.verb` or `noun.verb.vN` (N >= 2); nouns and verbs are lower snake case. */
export const EVENT_NAME_PATTERN =
  /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)(?:\.v([2-9]|[1-9][0-9]+))?$/;

/** Splits an event name into its type (`noun.verb`) and version (1 unless `.vN`). */
export function parseEventName(
  name: string,
): { type: string; version: number } | undefined {
  const match = EVENT_NAME_PATTERN.exec(name);
  if (!match) return undefined;
  return {
    type: `${match[1]}.${match[2]}`,
    version: match[3] ? Number(match[3]) : 1,
  };
}

/**
 * Upper bounds (ms) of the request-latency histogram buckets; a last, implicit bucket holds
 * everything slower. Fixed so rollups from every service and every minute can be added up.
 */
export const LATENCY_BUCKETS_MS = [
  1, 5, 10, 25, 50, 100, 200, 500, 1000, 2000, 4000, 5000, 10000,
] as const;

/** Data classes with a retention period (spec section 3). */
export const DATA_CLASSES = [
  'operational',
  'audit',
  'analytics_raw',
  'export_files',
] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** Spec defaults in days: operational 2 years, audit 7 years, raw events 1 year, files 7 days. */
export const DEFAULT_RETENTION_DAYS: Record<DataClass, number> = {
  operational: 730,
  audit: 2557,
  analytics_raw: 365,
  export_files: 7,
};

/**
 * Estimates a quantile from histogram bucket counts (one count per LATENCY_BUCKETS_MS bound
 * plus the overflow bucket) by linear interpolation inside the bucket that holds it.
 * Returns undefined for an empty histogram; the overflow bucket reports its lower bound.
 */
export function histogramQuantile(
  buckets: readonly number[],
  quantile: number,
  bounds: readonly number[] = LATENCY_BUCKETS_MS,
): number | undefined {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = quantile * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i];
    if (count > 0 && seen + count >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1];
      if (i >= bounds.length) return lower;
      const upper = bounds[i];
      return lower + ((upper - lower) * (rank - seen)) / count;
    }
    seen += count;
  }
  return bounds[bounds.length - 1];
}
