import { Counter, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { PlatformSink, RequestRollup } from '../types';
import { singletonMetric } from '../metrics';

export interface RequestSample {
  service: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  team?: string;
  userRef?: string;
  at: Date;
}

/** Bucket index of a duration: first bound >= duration, or the overflow bucket. */
export function bucketIndex(durationMs: number): number {
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
    if (durationMs <= LATENCY_BUCKETS_MS[i]) return i;
  }
  return LATENCY_BUCKETS_MS.length;
}

export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * In-memory RED aggregation per minute, route template, status class and caller, flushed
 * into the platform's Postgres rollups. Every sample also feeds the Prometheus histogram
 * (without caller labels, to bound cardinality). A flush that fails keeps its minutes for the
 * next one, so counts are not lost while the platform sink is unavailable.
 */
export class TelemetryAggregator {
  private readonly minutes = new Map<string, RequestRollup>();
  private readonly histogram: Histogram<
    'service' | 'method' | 'route' | 'status_class'
  >;
  private readonly errorsTotal: Counter<'service' | 'method' | 'route'>;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<number>;

  constructor(
    private readonly options: {
      metrics: Registry;
      sink: () => Promise<PlatformSink | undefined>;
      now?: () => Date;
      onError?: (error: unknown) => void;
      /** Cap on distinct series held in memory between flushes. */
      maxSeries?: number;
    },
  ) {
    this.histogram = singletonMetric(
      options.metrics,
      'http_server_request_duration_seconds',
      () =>
        new Histogram({
          name: 'http_server_request_duration_seconds',
          help: 'Server-side request latency of platform backends, by route template and status class',
          labelNames: ['service', 'method', 'route', 'status_class'],
          buckets: LATENCY_BUCKETS_MS.map(ms => ms / 1000),
          registers: [options.metrics],
        }),
    );
    this.errorsTotal = singletonMetric(
      options.metrics,
      'http_server_errors_total',
      () =>
        new Counter({
          name: 'http_server_errors_total',
          help: 'Requests of platform backends answered with a 5xx status',
          labelNames: ['service', 'method', 'route'],
          registers: [options.metrics],
        }),
    );
  }

  record(sample: RequestSample): void {
    const status_class = statusClass(sample.status);
    const isError = sample.status >= 500;
    this.histogram.observe(
      {
        service: sample.service,
        method: sample.method,
        route: sample.route,
        status_class,
      },
      sample.durationMs / 1000,
    );
    if (isError) {
      this.errorsTotal.inc({
        service: sample.service,
        method: sample.method,
        route: sample.route,
      });
    }
    this.addToRollup(sample, status_class, isError);
  }

  private addToRollup(
    sample: RequestSample,
    status_class: string,
    isError: boolean,
  ): void {
    const minute = new Date(
      Math.floor(sample.at.getTime() / 60_000) * 60_000,
    ).toISOString();
    const team = sample.team ?? 'unknown';
    const user_ref = sample.userRef ?? 'unknown';
    const key = [
      minute,
      sample.service,
      sample.method,
      sample.route,
      status_class,
      team,
      user_ref,
    ].join('\u0000');
    let rollup = this.minutes.get(key);
    if (!rollup) {
      if (
        this.minutes.size >= (this.options.maxSeries ?? 50_000) &&
        sample.team !== 'overflow'
      ) {
        // Full: fold further callers into one 'overflow' series rather than grow without bound.
        this.addToRollup(
          { ...sample, team: 'overflow', userRef: 'overflow' },
          status_class,
          isError,
        );
        return;
      }
      rollup = {
        minute,
        service: sample.service,
        method: sample.method,
        route: sample.route,
        status_class,
        team,
        user_ref,
        count: 0,
        errors: 0,
        duration_sum_ms: 0,
        buckets: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0),
      };
      this.minutes.set(key, rollup);
    }
    rollup.count++;
    if (isError) rollup.errors++;
    rollup.duration_sum_ms += sample.durationMs;
    rollup.buckets[bucketIndex(sample.durationMs)]++;
  }

  /** Series waiting for a flush (for tests and the health page). */
  pending(): RequestRollup[] {
    return [...this.minutes.values()];
  }

  start(intervalMs = 60_000) {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.flush().catch(error => this.options.onError?.(error));
    }, intervalMs);
    this.timer.unref?.();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush({ all: true }).catch(error =>
      this.options.onError?.(error),
    );
  }

  /**
   * Writes finished minutes (or, with `all`, the current one too) to the sink. Returns the
   * number of series written; 0 when the platform sink is not available yet.
   */
  async flush(options: { all?: boolean } = {}): Promise<number> {
    while (this.flushing) await this.flushing.catch(() => {});
    this.flushing = this.doFlush(options.all ?? false);
    try {
      return await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async doFlush(all: boolean): Promise<number> {
    const sink = await this.options.sink();
    if (!sink) return 0;
    const now = this.options.now?.() ?? new Date();
    const currentMinute = new Date(
      Math.floor(now.getTime() / 60_000) * 60_000,
    ).toISOString();
    const batch: [string, RequestRollup][] = [];
    for (const entry of this.minutes) {
      if (all || entry[1].minute < currentMinute) batch.push(entry);
    }
    if (batch.length === 0) return 0;
    for (const [key] of batch) this.minutes.delete(key);
    try {
      await sink.ingestRollups(batch.map(([, r]) => r));
    } catch (error) {
      // Put them back, merging with anything recorded meanwhile.
      for (const [key, rollup] of batch) {
        const current = this.minutes.get(key);
        if (current) {
          current.count += rollup.count;
          current.errors += rollup.errors;
          current.duration_sum_ms += rollup.duration_sum_ms;
          rollup.buckets.forEach((c, i) => (current.buckets[i] += c));
        } else {
          this.minutes.set(key, rollup);
        }
      }
      throw error;
    }
    return batch.length;
  }
}
