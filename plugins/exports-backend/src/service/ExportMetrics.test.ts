import { Registry } from 'prom-client';
import { ExportMetrics } from './ExportMetrics';

describe('ExportMetrics', () => {
  it('reports the queue gauges from one stats read per scrape, durations and failures by type', async () => {
    const registry = new Registry();
    let reads = 0;
    const metrics = new ExportMetrics(registry, async () => {
      reads++;
      return { queued: 7, running: 2, oldestQueuedAgeSeconds: 42.5 };
    });
    metrics.finished('csv', 'succeeded', 12);
    metrics.finished('csv', 'failed', 3, 'permission_revoked');
    metrics.finished('csv', 'queued', 1, 'query_failed');
    const text = await registry.metrics();
    expect(text).toMatch(/^export_queue_depth 7$/m);
    expect(text).toMatch(/^export_jobs_running 2$/m);
    expect(text).toMatch(/^export_queue_oldest_age_seconds 42.5$/m);
    expect(reads).toBe(1);
    expect(text).toMatch(
      /^export_job_duration_seconds_bucket\{le="20",format="csv",outcome="succeeded"\} 1$/m,
    );
    expect(text).toMatch(
      /^export_job_duration_seconds_count\{format="csv",outcome="failed"\} 1$/m,
    );
    expect(text).not.toMatch(/outcome="queued"/);
    expect(text).toMatch(
      /^export_job_failures_total\{error_type="permission_revoked"\} 1$/m,
    );
    expect(text).toMatch(
      /^export_job_failures_total\{error_type="query_failed"\} 1$/m,
    );
    // A second registry-level construction reuses the same metrics.
    expect(
      () =>
        new ExportMetrics(registry, async () => ({
          queued: 0,
          running: 0,
          oldestQueuedAgeSeconds: 0,
        })),
    ).not.toThrow();
  });
});
