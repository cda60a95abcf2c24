import { Knex } from 'knex';
import {
  histogramQuantile,
  LATENCY_BUCKETS_MS,
  ServiceTelemetrySummary,
} from '@internal/plugin-platform-common';
import { withStatementTimeout } from './statementTimeout';
import {
  bucketIndex,
  PageLoadMinutesQuery,
  PlatformTelemetryReader,
  RequestMinutesQuery,
  RequestRollup,
  TelemetryMinute,
  TeamRequests,
  TeamRequestsQuery,
} from '@internal/plugin-platform-node';

export interface RumTiming {
  route: string;
  kind: 'page-load' | 'route-change';
  durationMs: number;
  occurredAt: Date;
}

/** A row of platform_request_rollups. */
export interface DbRequestRollupRow {
  minute: Date;
  service: string;
  method: string;
  route: string;
  status_class: string;
  team: string;
  user_ref: string;
  /** bigint columns arrive as strings from node-postgres. */
  count: string;
  errors: string;
  duration_sum_ms: number;
  buckets: string[];
}

/** A time bucket summed over every other dimension (request and RUM histograms). */
interface DbHistogramRow {
  minute: Date;
  count: string;
  errors: string;
  buckets: string[] | null;
}

interface DbTeamRequestsRow {
  minute: Date;
  resolution_minutes: number;
  service: string;
  method: string;
  route: string;
  team: string;
  caller: string;
  count: string;
  errors: string;
}

interface DbServiceSummaryRow {
  service: string;
  requests: string;
  errors: string;
  buckets: string[] | null;
}

interface DbRumSummaryRow {
  route: string;
  kind: 'page-load' | 'route-change';
  samples: string;
  buckets: string[] | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The largest page-load time kept; slower loads count in the overflow bucket at this value. */
export const RUM_MAX_DURATION_MS = 600_000;

const UUID_SEGMENT =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SAFE_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * A portal path as a route template, so timings group by page rather than by entity:
 * catalog entity pages keep their shape, ids and numbers become `:id`, anything outside
 * `[A-Za-z0-9._~-]` becomes `:param`, at most 4 segments of at most 60 characters.
 */
export function normalizeRoute(path: string): string {
  const clean = path.split(/[?#]/)[0];
  const segments = clean.split('/').filter(Boolean);
  if (segments[0] === 'catalog' && segments.length >= 4) {
    const tail = segments
      .slice(4, 5)
      .map(s => (SAFE_SEGMENT.test(s) ? s.slice(0, 60) : ':param'));
    return ['/catalog/:namespace/:kind/:name', ...tail].join('/');
  }
  const mapped = segments.slice(0, 4).map(s => {
    if (UUID_SEGMENT.test(s) || /^\d+$/.test(s)) return ':id';
    return SAFE_SEGMENT.test(s) ? s.slice(0, 60) : ':param';
  });
  return `/${mapped.join('/')}`;
}

const ADD_BUCKETS = (table: string) =>
  `ARRAY(SELECT a + b FROM unnest(${table}.buckets, excluded.buckets) AS t(a, b))`;

function toNumbers(values: string[] | null | undefined): number[] {
  return (values ?? []).map(Number);
}

/**
 * Per-minute request rollups (folded into hourly rows once old), RUM page-load histograms
 * per minute, and the reader other plugins use through `platformTelemetryReaderServiceRef`.
 */
export class TelemetryStore implements PlatformTelemetryReader {
  readonly bucketBoundsMs = LATENCY_BUCKETS_MS;

  constructor(
    private readonly knex: Knex,
    private readonly options: { statementTimeoutMs?: number } = {},
  ) {}

  /** A read with a statement timeout (see withStatementTimeout). */
  private bounded<T>(fn: (tx: Knex.Transaction) => Promise<T>) {
    return withStatementTimeout<T>(
      this.knex,
      this.options.statementTimeoutMs,
      fn,
    );
  }

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
          buckets: this.knex.raw(ADD_BUCKETS('platform_request_rollups')),
        });
    }
  }

  /**
   * Minute rollups of a window, one page at a time (`offset`/`limit` over a stable order).
   * Unless `perUser`, rows are summed over users (`user_ref` is `*`): who called what is
   * for platform admins only.
   */
  async rollups(options: {
    from: Date;
    to: Date;
    service?: string;
    limit?: number;
    offset?: number;
    perUser?: boolean;
  }): Promise<RequestRollup[]> {
    const base = this.knex('platform_request_rollups')
      .where('minute', '>=', options.from)
      .andWhere('minute', '<', options.to);
    if (options.service) base.where('service', options.service);
    const keys = [
      'minute',
      'service',
      'method',
      'route',
      'status_class',
      'team',
    ];
    if (options.perUser) keys.push('user_ref');
    const sameKey = keys.map(k => `b.${k} = g.${k}`).join(' AND ');
    const { rows } = await this.bounded(tx =>
      tx.raw<{ rows: DbRequestRollupRow[] }>(
        `WITH r AS (${base.toQuery()}),
       g AS (
         SELECT ${keys.join(', ')},
                sum(count)::bigint AS count, sum(errors)::bigint AS errors,
                sum(duration_sum_ms) AS duration_sum_ms
           FROM r GROUP BY ${keys.join(', ')}
          ORDER BY ${keys.join(', ')} LIMIT :limit OFFSET :offset),
       b AS (
         SELECT ${keys
           .map(k => `r.${k}`)
           .join(', ')}, u.i, sum(u.x)::bigint AS x
           FROM r JOIN g USING (${keys.join(', ')}),
                unnest(r.buckets) WITH ORDINALITY AS u(x, i)
          GROUP BY ${keys.map(k => `r.${k}`).join(', ')}, u.i)
       SELECT g.*, ${options.perUser ? '' : "'*' AS user_ref,"}
              (SELECT array_agg(b.x ORDER BY b.i) FROM b WHERE ${sameKey}) AS buckets
         FROM g ORDER BY ${keys.map(k => `g.${k}`).join(', ')}`,
        { limit: options.limit ?? 1000, offset: options.offset ?? 0 },
      ),
    );
    return rows.map(r => ({
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
      buckets: toNumbers(r.buckets),
    }));
  }

  /** Requests, 5xx rate and latency quantiles per service over a window. */
  async summary(options: {
    from: Date;
    to: Date;
  }): Promise<ServiceTelemetrySummary[]> {
    const { rows } = await this.bounded(tx =>
      tx.raw<{ rows: DbServiceSummaryRow[] }>(
        `WITH r AS (
         SELECT service, count, errors, buckets FROM platform_request_rollups
          WHERE minute >= :from AND minute < :to
         UNION ALL
         SELECT service, count, errors, buckets FROM platform_request_rollups_hourly
          WHERE hour >= :from AND hour < :to),
       b AS (SELECT service, u.i, sum(u.x)::bigint AS x
               FROM r, unnest(r.buckets) WITH ORDINALITY AS u(x, i) GROUP BY service, u.i)
       SELECT t.service, t.requests, t.errors,
              (SELECT array_agg(b.x ORDER BY b.i) FROM b WHERE b.service = t.service) AS buckets
         FROM (SELECT service, sum(count)::bigint AS requests, sum(errors)::bigint AS errors
                 FROM r GROUP BY service) AS t
        ORDER BY t.service`,
        { from: options.from, to: options.to },
      ),
    );
    return rows.map(r => {
      const buckets = toNumbers(r.buckets);
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

  /**
   * Adds one page load to its minute's histogram (one row per minute, route and kind,
   * however many beacons arrive). Durations are clamped to [0, RUM_MAX_DURATION_MS].
   */
  async recordRum(timing: RumTiming): Promise<void> {
    const durationMs = Math.min(
      Math.max(Number.isFinite(timing.durationMs) ? timing.durationMs : 0, 0),
      RUM_MAX_DURATION_MS,
    );
    const buckets = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    buckets[bucketIndex(durationMs)] = 1;
    const minute = new Date(
      Math.floor(timing.occurredAt.getTime() / MINUTE) * MINUTE,
    );
    await this.knex('platform_rum_minutes')
      .insert({
        minute,
        route: normalizeRoute(timing.route),
        kind: timing.kind,
        count: 1,
        duration_sum_ms: durationMs,
        buckets: this.knex.raw('?::bigint[]', [buckets]),
      })
      .onConflict(['minute', 'route', 'kind'])
      .merge({
        count: this.knex.raw('platform_rum_minutes.count + excluded.count'),
        duration_sum_ms: this.knex.raw(
          'platform_rum_minutes.duration_sum_ms + excluded.duration_sum_ms',
        ),
        buckets: this.knex.raw(ADD_BUCKETS('platform_rum_minutes')),
      });
  }

  /** p50/p95 page-load time per route over the minutes overlapping a window (histograms). */
  async rumSummary(options: { from: Date; to: Date }) {
    const { rows } = await this.bounded(tx =>
      tx.raw<{ rows: DbRumSummaryRow[] }>(
        `WITH r AS (
         SELECT route, kind, count, buckets FROM platform_rum_minutes
          WHERE minute > :from::timestamptz - interval '1 minute' AND minute < :to),
       b AS (SELECT route, kind, u.i, sum(u.x)::bigint AS x
               FROM r, unnest(r.buckets) WITH ORDINALITY AS u(x, i) GROUP BY route, kind, u.i)
       SELECT t.route, t.kind, t.samples,
              (SELECT array_agg(b.x ORDER BY b.i) FROM b
                WHERE b.route = t.route AND b.kind = t.kind) AS buckets
         FROM (SELECT route, kind, sum(count)::bigint AS samples FROM r GROUP BY route, kind) AS t
        ORDER BY t.samples DESC, t.route
        LIMIT 100`,
        { from: options.from, to: options.to },
      ),
    );
    return rows.map(r => {
      const buckets = toNumbers(r.buckets);
      return {
        route: r.route,
        kind: r.kind,
        samples: Number(r.samples),
        p50_ms: histogramQuantile(buckets, 0.5, LATENCY_BUCKETS_MS),
        p95_ms: histogramQuantile(buckets, 0.95, LATENCY_BUCKETS_MS),
      };
    });
  }

  /** Sums a histogram table per time bucket: `[from, to)` on the bucket start. */
  private async histogramSeries(
    base: Knex.QueryBuilder,
    resolutionMinutes: number,
  ): Promise<TelemetryMinute[]> {
    const { rows } = await this.bounded(tx =>
      tx.raw<{ rows: DbHistogramRow[] }>(
        `WITH r AS (${base.toQuery()}),
       b AS (SELECT minute, u.i, sum(u.x)::bigint AS x
               FROM r, unnest(r.buckets) WITH ORDINALITY AS u(x, i) GROUP BY minute, u.i)
       SELECT t.minute, t.count, t.errors,
              (SELECT array_agg(b.x ORDER BY b.i) FROM b WHERE b.minute = t.minute) AS buckets
         FROM (SELECT minute, sum(count)::bigint AS count, sum(errors)::bigint AS errors
                 FROM r GROUP BY minute) AS t
        ORDER BY t.minute`,
      ),
    );
    return rows.map(r => ({
      minute: new Date(r.minute),
      resolutionMinutes,
      count: Number(r.count),
      errors: Number(r.errors),
      buckets: toNumbers(r.buckets),
    }));
  }

  /** PlatformTelemetryReader: minute rows and downsampled hour rows, ordered by time. */
  async requestMinutes(q: RequestMinutesQuery): Promise<TelemetryMinute[]> {
    const filter = (query: Knex.QueryBuilder) => {
      if (q.service !== undefined) query.where('service', q.service);
      if (q.method !== undefined) query.where('method', q.method);
      if (q.route !== undefined) query.where('route', q.route);
      return query;
    };
    const [hours, minutes] = await Promise.all([
      this.histogramSeries(
        filter(
          this.knex('platform_request_rollups_hourly')
            .select({ minute: 'hour' }, 'count', 'errors', 'buckets')
            .where('hour', '>=', q.from)
            .andWhere('hour', '<', q.to),
        ),
        60,
      ),
      this.histogramSeries(
        filter(
          this.knex('platform_request_rollups')
            .select('minute', 'count', 'errors', 'buckets')
            .where('minute', '>=', q.from)
            .andWhere('minute', '<', q.to),
        ),
        1,
      ),
    ]);
    return [...hours, ...minutes].sort(
      (a, b) =>
        a.minute.getTime() - b.minute.getTime() ||
        b.resolutionMinutes - a.resolutionMinutes,
    );
  }

  /**
   * PlatformTelemetryReader: requests per bucket, service, method, route and team from minute
   * and downsampled hour rows. Users are summed (`caller` is `*`); service principals keep
   * their subject, which names a service, not a person.
   */
  async requestsByTeam(q: TeamRequestsQuery): Promise<TeamRequests[]> {
    const select = (table: string, time: string, resolution: number) =>
      `SELECT ${time} AS minute, ${resolution} AS resolution_minutes, service, method, route, team,
              CASE WHEN team = 'service' THEN user_ref ELSE '*' END AS caller,
              sum(count)::bigint AS count, sum(errors)::bigint AS errors
         FROM ${table}
        WHERE ${time} >= :from AND ${time} < :to
          AND (:all OR service = ANY(:services))
        GROUP BY 1, 2, 3, 4, 5, 6, 7`;
    const { rows } = await this.bounded(tx =>
      tx.raw<{ rows: DbTeamRequestsRow[] }>(
        `${select('platform_request_rollups_hourly', 'hour', 60)}
         UNION ALL
         ${select('platform_request_rollups', 'minute', 1)}
         ORDER BY 1, 2 DESC, 3, 4, 5, 6, 7`,
        {
          from: q.from,
          to: q.to,
          all: q.services === undefined,
          services: q.services ?? [],
        },
      ),
    );
    return rows.map(r => ({
      minute: new Date(r.minute),
      resolutionMinutes: Number(r.resolution_minutes),
      service: r.service,
      method: r.method,
      route: r.route,
      team: r.team,
      caller: r.caller,
      count: Number(r.count),
      errors: Number(r.errors),
    }));
  }

  /** PlatformTelemetryReader: page loads per minute (errors are always 0). */
  async pageLoadMinutes(q: PageLoadMinutesQuery): Promise<TelemetryMinute[]> {
    const query = this.knex('platform_rum_minutes')
      .select(
        'minute',
        'count',
        this.knex.raw('0::bigint AS errors'),
        'buckets',
      )
      .where('kind', 'page-load')
      .andWhere('minute', '>=', q.from)
      .andWhere('minute', '<', q.to);
    if (q.route !== undefined) query.where('route', q.route);
    return this.histogramSeries(query, 1);
  }

  /**
   * Folds minute rollups older than `before` (rounded down to the hour) into hourly rows,
   * one day per transaction; counts, errors, durations and buckets are summed exactly, and
   * the minute rows go in the same statement, so nothing is counted twice or lost.
   */
  async downsample(before: Date): Promise<{ minuteRows: number }> {
    const cutoff = new Date(Math.floor(before.getTime() / HOUR) * HOUR);
    let minuteRows = 0;
    for (;;) {
      const oldest = await this.knex('platform_request_rollups')
        .min<{ min: Date | null }>('minute as min')
        .where('minute', '<', cutoff)
        .first();
      if (!oldest?.min) break;
      const start = new Date(
        Math.floor(new Date(oldest.min).getTime() / HOUR) * HOUR,
      );
      const end = new Date(Math.min(start.getTime() + DAY, cutoff.getTime()));
      const { rows } = await this.knex.raw<{ rows: { moved: string }[] }>(
        `WITH moved AS (
           DELETE FROM platform_request_rollups WHERE minute >= :start AND minute < :end
           RETURNING *),
         tot AS (
           SELECT date_trunc('hour', minute) AS hour, service, method, route, status_class, team, user_ref,
                  sum(count)::bigint AS count, sum(errors)::bigint AS errors,
                  sum(duration_sum_ms) AS duration_sum_ms
             FROM moved GROUP BY 1, 2, 3, 4, 5, 6, 7),
         bk AS (
           SELECT date_trunc('hour', minute) AS hour, service, method, route, status_class, team, user_ref,
                  u.i, sum(u.x)::bigint AS x
             FROM moved, unnest(moved.buckets) WITH ORDINALITY AS u(x, i)
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8),
         ins AS (
           INSERT INTO platform_request_rollups_hourly
                  (hour, service, method, route, status_class, team, user_ref, count, errors, duration_sum_ms, buckets)
           SELECT tot.hour, tot.service, tot.method, tot.route, tot.status_class, tot.team, tot.user_ref,
                  tot.count, tot.errors, tot.duration_sum_ms,
                  (SELECT array_agg(bk.x ORDER BY bk.i) FROM bk
                    WHERE bk.hour = tot.hour AND bk.service = tot.service AND bk.method = tot.method
                      AND bk.route = tot.route AND bk.status_class = tot.status_class
                      AND bk.team = tot.team AND bk.user_ref = tot.user_ref)
             FROM tot
           ON CONFLICT (hour, service, method, route, status_class, team, user_ref) DO UPDATE SET
             count = platform_request_rollups_hourly.count + excluded.count,
             errors = platform_request_rollups_hourly.errors + excluded.errors,
             duration_sum_ms = platform_request_rollups_hourly.duration_sum_ms + excluded.duration_sum_ms,
             buckets = ${ADD_BUCKETS('platform_request_rollups_hourly')}
           RETURNING 1)
         SELECT (SELECT count(*) FROM moved) AS moved, (SELECT count(*) FROM ins) AS written`,
        { start, end },
      );
      minuteRows += Number(rows[0]?.moved ?? 0);
    }
    return { minuteRows };
  }
}
