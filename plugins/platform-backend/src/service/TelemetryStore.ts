import { Knex } from 'knex';
import {
  histogramQuantile,
  LATENCY_BUCKETS_MS,
  ServiceTelemetrySummary,
} from '@internal/plugin-platform-common';
import { RequestRollup } from '@internal/plugin-platform-node';

export interface RumTiming {
  route: string;
  kind: 'page-load' | 'route-change';
  durationMs: number;
  userRef: string;
  team: string;
  occurredAt: Date;
}

const UUID_SEGMENT =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A portal path as a route template, so timings group by page rather than by entity:
 * catalog entity pages keep their shape, ids and numbers become `:id`, at most 4 segments.
 */
export function normalizeRoute(path: string): string {
  const clean = path.split(/[?#]/)[0];
  const segments = clean.split('/').filter(Boolean);
  if (segments[0] === 'catalog' && segments.length >= 4) {
    return ['/catalog/:namespace/:kind/:name', ...segments.slice(4, 5)].join(
      '/',
    );
  }
  const mapped = segments
    .slice(0, 4)
    .map(s =>
      UUID_SEGMENT.test(s) || /^\d+$/.test(s) ? ':id' : s.slice(0, 60),
    );
  return `/${mapped.join('/')}`;
}

/** Per-minute request rollups and RUM timings in the platform database. */
export class TelemetryStore {
  constructor(private readonly knex: Knex) {}

  /** Adds rollups; the same minute and series from several replicas or flushes add up. */
  async ingestRollups(rollups: RequestRollup[]): Promise<void> {
    if (rollups.length === 0) return;
    for (let i = 0; i < rollups.length; i += 500) {
      const rows = rollups.slice(i, i + 500).map(r => ({
        minute: r.minute,
        service: r.service,
        method: r.method,
        route: r.route,
        status_class: r.status_class,
        team: r.team,
        user_ref: r.user_ref,
        count: r.count,
        errors: r.errors,
        duration_sum_ms: r.duration_sum_ms,
        buckets: this.knex.raw('?::bigint[]', [r.buckets]),
      }));
      await this.knex('platform_request_rollups')
        .insert(rows)
        .onConflict([
          'minute',
          'service',
          'method',
          'route',
          'status_class',
          'team',
          'user_ref',
        ])
        .merge({
          count: this.knex.raw(
            'platform_request_rollups.count + excluded.count',
          ),
          errors: this.knex.raw(
            'platform_request_rollups.errors + excluded.errors',
          ),
          duration_sum_ms: this.knex.raw(
            'platform_request_rollups.duration_sum_ms + excluded.duration_sum_ms',
          ),
          buckets: this.knex.raw(
            'ARRAY(SELECT a + b FROM unnest(platform_request_rollups.buckets, excluded.buckets) AS t(a, b))',
          ),
        });
    }
  }

  async rollups(options: {
    from: Date;
    to: Date;
    service?: string;
  }): Promise<RequestRollup[]> {
    const query = this.knex('platform_request_rollups')
      .where('minute', '>=', options.from)
      .andWhere('minute', '<', options.to)
      .orderBy('minute');
    if (options.service) query.where('service', options.service);
    return (await query).map((r: any) => ({
      minute: new Date(r.minute).toISOString(),
      service: r.service,
      method: r.method,
      route: r.route,
      status_class: r.status_class,
      team: r.team,
      user_ref: r.user_ref,
      count: Number(r.count),
      errors: Number(r.errors),
      duration_sum_ms: Number(r.duration_sum_ms),
      buckets: r.buckets.map(Number),
    }));
  }

  /** Requests, 5xx rate and latency quantiles per service over a window. */
  async summary(options: {
    from: Date;
    to: Date;
  }): Promise<ServiceTelemetrySummary[]> {
    const rows: any[] = await this.knex('platform_request_rollups')
      .select('service')
      .sum({ requests: 'count', errors: 'errors' })
      .select(
        this.knex.raw(
          `ARRAY(SELECT sum(b)::bigint FROM platform_request_rollups r2, unnest(r2.buckets) WITH ORDINALITY AS u(b, i)
                  WHERE r2.service = platform_request_rollups.service AND r2.minute >= ? AND r2.minute < ?
                  GROUP BY i ORDER BY i) AS buckets`,
          [options.from, options.to],
        ),
      )
      .where('minute', '>=', options.from)
      .andWhere('minute', '<', options.to)
      .groupBy('service')
      .orderBy('service');
    return rows.map(r => {
      const buckets: number[] = (r.buckets ?? []).map(Number);
      const requests = Number(r.requests);
      const errors = Number(r.errors);
      return {
        service: r.service,
        requests,
        errors,
        error_rate: requests ? errors / requests : 0,
        p95_ms: histogramQuantile(buckets, 0.95, LATENCY_BUCKETS_MS),
        p99_ms: histogramQuantile(buckets, 0.99, LATENCY_BUCKETS_MS),
      };
    });
  }

  async recordRum(timing: RumTiming): Promise<void> {
    await this.knex('platform_rum_timings').insert({
      occurred_at: timing.occurredAt,
      route: normalizeRoute(timing.route),
      kind: timing.kind,
      duration_ms: timing.durationMs,
      user_ref: timing.userRef,
      team: timing.team,
    });
  }

  /** p50/p95 page-load time per route over a window (from raw RUM timings). */
  async rumSummary(options: { from: Date; to: Date }) {
    const rows: any[] = await this.knex('platform_rum_timings')
      .select('route', 'kind')
      .select(
        this.knex.raw('count(*)::int AS samples'),
        this.knex.raw(
          'percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50_ms',
        ),
        this.knex.raw(
          'percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms',
        ),
      )
      .where('occurred_at', '>=', options.from)
      .andWhere('occurred_at', '<', options.to)
      .groupBy('route', 'kind')
      .orderBy('samples', 'desc')
      .limit(100);
    return rows.map(r => ({
      route: r.route,
      kind: r.kind,
      samples: Number(r.samples),
      p50_ms: Number(r.p50_ms),
      p95_ms: Number(r.p95_ms),
    }));
  }
}
