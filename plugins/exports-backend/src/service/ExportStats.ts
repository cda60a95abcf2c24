import { Knex } from 'knex';
import { OpenApi } from '@internal/plugin-exports-common';

export type ExportStats = OpenApi.components['schemas']['ExportStats'];

/** The export SLO: a job under 100 MB is done within 60 s of its request. */
export const EXPORT_SLO_SECONDS = 60;
/** Upper bounds of the completion-time histogram (s); the last bucket is open. */
export const DURATION_BUCKETS = [5, 10, 20, 30, 45, 60, 90, 120, 300];
/** Points of the queue-depth series, whatever the window. */
const QUEUE_DEPTH_POINTS = 48;

/**
 * The admin view of the queue over the last `hours`, measured in SQL on `export_jobs` at `at`.
 * Queue depth at a point is reconstructed from the job's timestamps (created by then, not yet
 * started, finished or cancelled): a job retried with `/retry` keeps its first `created_at`,
 * and one waiting for an automatic retry counts as started.
 */
export async function measureExportStats(
  db: Knex,
  options: { hours: number; at: Date },
): Promise<ExportStats> {
  const { hours, at } = options;
  const from = new Date(at.getTime() - hours * 3_600_000);
  const bucketSeconds = Math.round((hours * 3600) / QUEUE_DEPTH_POINTS);

  const depth = await db.raw(
    `SELECT p.at, count(j.id)::int AS depth
       FROM generate_series(?::timestamptz + (? * interval '1 second'), ?::timestamptz, ? * interval '1 second') AS p(at)
       LEFT JOIN export_jobs j
         ON j.created_at <= p.at
        AND coalesce(j.started_at, j.finished_at, 'infinity'::timestamptz) > p.at
      GROUP BY p.at
      ORDER BY p.at`,
    [from, bucketSeconds, at, bucketSeconds],
  );

  // Succeeded jobs (expired ones succeeded too) that finished in the window.
  const finished = `SELECT extract(epoch FROM finished_at - created_at)::float8 AS s
                      FROM export_jobs
                     WHERE status IN ('succeeded', 'expired')
                       AND finished_at > ? AND finished_at <= ?`;
  const histogram = await db.raw(
    `WITH d AS (${finished}),
          b AS (SELECT le, i, lag(le, 1, '-Infinity'::float8) OVER (ORDER BY i) AS lo
                  FROM unnest(?::float8[]) WITH ORDINALITY AS u(le, i))
     SELECT b.le, count(d.s)::int AS count
       FROM b LEFT JOIN d ON d.s > b.lo AND d.s <= b.le
      GROUP BY b.i, b.le
      ORDER BY b.i`,
    [from, at, [...DURATION_BUCKETS, Infinity]],
  );
  const summary = await db.raw(
    `WITH d AS (${finished})
     SELECT count(*)::int AS count,
            (count(*) FILTER (WHERE s <= ?))::int AS within_slo,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90
       FROM d`,
    [from, at, EXPORT_SLO_SECONDS],
  );

  const outcomes = await db.raw(
    `SELECT (count(*) FILTER (WHERE status IN ('succeeded', 'expired')))::int AS succeeded,
            (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
            (count(*) FILTER (WHERE status = 'cancelled'))::int AS cancelled
       FROM export_jobs
      WHERE finished_at > ? AND finished_at <= ?`,
    [from, at],
  );
  const failures = await db.raw(
    `SELECT coalesce(error_type, 'unknown') AS error_type, count(*)::int AS count
       FROM export_jobs
      WHERE status = 'failed' AND finished_at > ? AND finished_at <= ?
      GROUP BY 1
      ORDER BY 2 DESC, 1`,
    [from, at],
  );

  const s = summary.rows[0];
  const o = outcomes.rows[0];
  const ended = o.succeeded + o.failed;
  return {
    measuredAt: at.toISOString(),
    hours,
    bucketSeconds,
    sloSeconds: EXPORT_SLO_SECONDS,
    queueDepth: depth.rows.map((r: { at: Date; depth: number }) => ({
      at: new Date(r.at).toISOString(),
      depth: r.depth,
    })),
    durations: {
      buckets: histogram.rows.map((r: { le: number; count: number }) => ({
        le: Number.isFinite(Number(r.le)) ? Number(r.le) : null,
        count: r.count,
      })),
      count: s.count,
      withinSlo: s.within_slo,
      p50Seconds: s.p50 === null ? null : Number(s.p50),
      p90Seconds: s.p90 === null ? null : Number(s.p90),
    },
    outcomes: {
      succeeded: o.succeeded,
      failed: o.failed,
      cancelled: o.cancelled,
    },
    failuresByType: failures.rows.map(
      (r: { error_type: string; count: number }) => ({
        errorType: r.error_type,
        count: r.count,
        rate: ended === 0 ? 0 : r.count / ended,
      }),
    ),
  };
}
