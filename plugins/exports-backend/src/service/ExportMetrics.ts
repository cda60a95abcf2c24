import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { singletonMetric } from '@internal/plugin-platform-node';

export interface QueueStats {
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number;
}

/** Job durations up to the 60 s SLO and beyond (seconds). */
const DURATION_BUCKETS = [1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 300, 600];

/**
 * The export queue on the platform hub's Prometheus registry: queue depth, running jobs and the
 * oldest queued job's age (read from the queue table when scraped, so every replica reports the
 * shared queue), plus this process's job durations and failures by error type.
 */
export class ExportMetrics {
  private readonly duration: Histogram<'format' | 'outcome'>;
  private readonly failures: Counter<'error_type'>;

  constructor(registry: Registry, stats: () => Promise<QueueStats>) {
    let pending: Promise<QueueStats> | undefined;
    // One query per scrape for the three gauges.
    const read = () => {
      pending ??= stats().finally(() => {
        setTimeout(() => (pending = undefined), 100);
      });
      return pending;
    };
    const gauge = (
      name: string,
      help: string,
      pick: (s: QueueStats) => number,
    ) =>
      singletonMetric(
        registry,
        name,
        () =>
          new Gauge({
            name,
            help,
            registers: [registry],
            async collect() {
              this.set(pick(await read()));
            },
          }),
      );
    gauge(
      'export_queue_depth',
      'Export jobs waiting in the queue',
      s => s.queued,
    );
    gauge(
      'export_jobs_running',
      'Export jobs running on any replica',
      s => s.running,
    );
    gauge(
      'export_queue_oldest_age_seconds',
      'Age of the oldest queued export job (0 when none waits)',
      s => s.oldestQueuedAgeSeconds,
    );
    this.duration = singletonMetric(
      registry,
      'export_job_duration_seconds',
      () =>
        new Histogram({
          name: 'export_job_duration_seconds',
          help: 'From creation to the end of an export job run by this process',
          labelNames: ['format', 'outcome'],
          buckets: DURATION_BUCKETS,
          registers: [registry],
        }),
    );
    this.failures = singletonMetric(
      registry,
      'export_job_failures_total',
      () =>
        new Counter({
          name: 'export_job_failures_total',
          help: 'Failed export attempts by error type (retried ones included)',
          labelNames: ['error_type'],
          registers: [registry],
        }),
    );
  }

  finished(
    format: string,
    outcome: 'succeeded' | 'failed' | 'queued',
    seconds: number,
    errorType?: string,
  ) {
    if (outcome !== 'queued') {
      this.duration.observe({ format, outcome }, seconds);
    }
    if (errorType) this.failures.inc({ error_type: errorType });
  }
}
