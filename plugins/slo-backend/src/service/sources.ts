import {
  latencyGood,
  MINUTE_MS,
  SloDefinition,
} from '@internal/plugin-slo-common';
import { ExportJobsReader } from '@internal/plugin-exports-node';
import { DecisionLatencyReader } from '@internal/plugin-authz-node';
import { StoredPoint } from './SloStore';
import { TelemetryMinute, TelemetryReader } from './telemetry';

/** Where an SLO's (good, total) minutes come from, or why there are none. */
export type SourceAvailability =
  | { ok: true; description: string }
  | { ok: false; message: string };

export interface SliSourceOptions {
  reader?: TelemetryReader;
  exportJobs?: Pick<ExportJobsReader, 'completionMinutes'>;
  /** The permission service's decision latency histograms (authz-node). */
  decisionLatency?: DecisionLatencyReader;
  prometheus?: { baseUrl: string; fetch?: typeof fetch };
}

/** Which decisions a permission-checks segment reads: `cacheHit` of the latency reader. */
const CACHE_HIT_OF_SEGMENT = { cached: true, uncached: false } as const;

/** Reads SLI minutes from the configured sources. */
export class SliSources {
  constructor(private readonly options: SliSourceOptions) {}

  availability(slo: SloDefinition): SourceAvailability {
    const { sli } = slo;
    switch (sli.source) {
      case 'requests':
      case 'page-loads':
        return this.options.reader
          ? {
              ok: true,
              description:
                sli.source === 'requests'
                  ? 'platform request telemetry (per-minute rollups)'
                  : 'browser page-load beacons (RUM, per-minute rollups)',
            }
          : {
              ok: false,
              message:
                'no data: the platform telemetry reader is not available in this backend',
            };
      case 'prometheus':
        return this.options.prometheus
          ? {
              ok: true,
              description: `Prometheus ${this.options.prometheus.baseUrl}`,
            }
          : {
              ok: false,
              message:
                'no data: Prometheus not configured (slo.prometheus.baseUrl)',
            };
      case 'export-jobs':
        return this.options.exportJobs
          ? {
              ok: true,
              description:
                "the exports plugin's export_jobs table (finished jobs by finish minute)",
            }
          : {
              ok: false,
              message:
                'no data: the export jobs reader is not available in this backend',
            };
      case 'permission-checks':
        return this.options.decisionLatency
          ? {
              ok: true,
              description: `the permission service's decision latency histograms (${
                sli.segment
                  ? `${sli.segment} decisions`
                  : 'cached and uncached decisions'
              }, per minute)`,
            }
          : {
              ok: false,
              message:
                'no data: the decision latency reader is not available in this backend',
            };
      case 'series':
        return { ok: true, description: 'series posted to the API (backfill)' };
      default:
        return { ok: false, message: 'no data: unknown source' };
    }
  }

  /** (good, total) per minute over [from, to). Empty when the source has nothing to read. */
  async read(slo: SloDefinition, from: Date, to: Date): Promise<StoredPoint[]> {
    const { sli } = slo;
    const reader = this.options.reader;
    if (sli.source === 'requests' && reader) {
      const minutes = await reader.requestMinutes({
        from,
        to,
        service: sli.service,
        method: sli.method,
        route: sli.route,
      });
      return minutes.map(m =>
        toPoint(m, sli.kind === 'ratio' ? m.count - m.errors : goodOf(m)),
      );
    }
    if (sli.source === 'page-loads' && reader) {
      const minutes = await reader.pageLoadMinutes({
        from,
        to,
        route: sli.route,
      });
      return minutes.map(m => toPoint(m, goodOf(m)));
    }
    if (sli.source === 'export-jobs' && this.options.exportJobs) {
      const minutes = await this.options.exportJobs.completionMinutes({
        from,
        to,
        maxBytes: sli.maxBytes,
        thresholdMs: sli.thresholdMs,
      });
      return minutes.map(m => ({
        minuteMs: m.minute.getTime(),
        good: m.good,
        total: m.total,
        resolutionMinutes: 1,
      }));
    }
    if (sli.source === 'permission-checks' && this.options.decisionLatency) {
      return this.readDecisionLatency(
        this.options.decisionLatency,
        sli.thresholdMs,
        sli.segment,
        from,
        to,
      );
    }
    if (sli.source === 'prometheus' && this.options.prometheus) {
      return this.readPrometheus(sli.goodQuery, sli.totalQuery, from, to);
    }
    return [];

    function goodOf(m: TelemetryMinute): number {
      if (!('thresholdMs' in sli) || sli.thresholdMs === undefined) return 0;
      return latencyGood(m.buckets, reader!.bucketBoundsMs, sli.thresholdMs);
    }
  }

  /**
   * Good = decisions of the segment that took at most `thresholdMs` (a histogram bound), total =
   * all of them; without a segment the cached and uncached rows of a minute are added up.
   */
  private async readDecisionLatency(
    reader: DecisionLatencyReader,
    thresholdMs: number,
    segment: 'cached' | 'uncached' | undefined,
    from: Date,
    to: Date,
  ): Promise<StoredPoint[]> {
    const minutes = await reader.latencyMinutes({
      from,
      to,
      cacheHit: segment ? CACHE_HIT_OF_SEGMENT[segment] : undefined,
    });
    const points = new Map<number, StoredPoint>();
    for (const m of minutes) {
      const minuteMs = m.minute.getTime();
      const point = points.get(minuteMs) ?? {
        minuteMs,
        good: 0,
        total: 0,
        resolutionMinutes: 1,
      };
      point.good += latencyGood(m.buckets, reader.bucketBoundsMs, thresholdMs);
      point.total += m.decisions;
      points.set(minuteMs, point);
    }
    return [...points.values()];
  }

  private async readPrometheus(
    goodQuery: string,
    totalQuery: string,
    from: Date,
    to: Date,
  ): Promise<StoredPoint[]> {
    const [good, total] = await Promise.all([
      this.queryRange(goodQuery, from, to),
      this.queryRange(totalQuery, from, to),
    ]);
    const points: StoredPoint[] = [];
    for (const [minuteMs, t] of total) {
      points.push({
        minuteMs,
        good: Math.min(good.get(minuteMs) ?? 0, t),
        total: t,
        resolutionMinutes: 1,
      });
    }
    return points;
  }

  /** query_range with a 60 s step; values summed over the result series per timestamp. */
  private async queryRange(
    query: string,
    from: Date,
    to: Date,
  ): Promise<Map<number, number>> {
    const { baseUrl, fetch: fetchImpl = fetch } = this.options.prometheus!;
    const values = new Map<number, number>();
    // Prometheus caps a range query at 11,000 points: ask 10,000 minutes at a time.
    for (
      let start = from.getTime();
      start < to.getTime();
      start += 10_000 * MINUTE_MS
    ) {
      const end = Math.min(to.getTime() - MINUTE_MS, start + 9_999 * MINUTE_MS);
      if (end < start) break;
      const url = new URL('/api/v1/query_range', baseUrl);
      url.searchParams.set('query', query);
      url.searchParams.set('start', String(start / 1000));
      url.searchParams.set('end', String(end / 1000));
      url.searchParams.set('step', '60');
      const res = await fetchImpl(url, { signal: AbortSignal.timeout(20_000) });
      if (!res.ok) {
        throw new Error(`Prometheus query_range answered ${res.status}`);
      }
      const body = (await res.json()) as {
        status: string;
        data?: { result?: Array<{ values?: Array<[number, string]> }> };
      };
      for (const series of body.data?.result ?? []) {
        for (const [ts, value] of series.values ?? []) {
          const v = Number(value);
          if (!Number.isFinite(v)) continue;
          const minuteMs = Math.floor(ts / 60) * MINUTE_MS;
          values.set(minuteMs, (values.get(minuteMs) ?? 0) + v);
        }
      }
    }
    return values;
  }
}

function toPoint(m: TelemetryMinute, good: number): StoredPoint {
  return {
    minuteMs: m.minute.getTime(),
    good: Math.max(0, Math.min(good, m.count)),
    total: m.count,
    resolutionMinutes: m.resolutionMinutes,
  };
}
