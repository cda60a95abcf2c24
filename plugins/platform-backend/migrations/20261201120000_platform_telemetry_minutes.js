// @ts-check
/**
 * Telemetry that stays cheap to read: hourly request rollups (minute rollups older than
 * `platform.telemetry.downsampleAfter` are folded into them, counts and buckets exact), RUM
 * page loads as per-minute histograms instead of one row per beacon, and an index for
 * `/v1/events?userId=` through identity merges.
 */

/** LATENCY_BUCKETS_MS of @internal/plugin-platform-common, as of this migration. */
const BOUNDS = [1, 5, 10, 25, 50, 100, 200, 500, 1000, 2000, 4000, 5000, 10000];

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('platform_request_rollups_hourly', t => {
    t.comment(
      'Hourly RED rollups: minute rollups older than the downsample age, summed exactly (operational)',
    );
    t.timestamp('hour', { useTz: true }).notNullable();
    t.text('service').notNullable();
    t.text('method').notNullable();
    t.text('route').notNullable();
    t.text('status_class').notNullable();
    t.text('team').notNullable();
    t.text('user_ref').notNullable();
    t.bigInteger('count').notNullable();
    t.bigInteger('errors').notNullable();
    t.double('duration_sum_ms').notNullable();
    t.specificType('buckets', 'bigint[]')
      .notNullable()
      .comment('Counts per LATENCY_BUCKETS_MS bound, then overflow');
    t.primary([
      'hour',
      'service',
      'method',
      'route',
      'status_class',
      'team',
      'user_ref',
    ]);
    t.index(['service', 'hour'], 'platform_request_rollups_hourly_service_idx');
  });

  await knex.schema.createTable('platform_rum_minutes', t => {
    t.comment(
      'Real-user page loads per minute, route template and kind, as latency histograms (operational)',
    );
    t.timestamp('minute', { useTz: true }).notNullable();
    t.text('route').notNullable();
    t.text('kind').notNullable();
    t.bigInteger('count').notNullable();
    t.double('duration_sum_ms').notNullable();
    t.specificType('buckets', 'bigint[]')
      .notNullable()
      .comment('Counts per LATENCY_BUCKETS_MS bound, then overflow');
    t.primary(['minute', 'route', 'kind']);
    t.index(['route', 'minute'], 'platform_rum_minutes_route_idx');
  });

  // Existing beacons become histogram rows: bucket i holds (BOUNDS[i-1], BOUNDS[i]].
  await knex.raw(
    `WITH per_bucket AS (
       SELECT date_trunc('minute', occurred_at) AS minute, route, kind,
              (SELECT count(*) FROM unnest(?::double precision[]) AS b WHERE b < duration_ms)::int AS idx,
              count(*) AS n, sum(duration_ms) AS s
         FROM platform_rum_timings
        GROUP BY 1, 2, 3, 4)
     INSERT INTO platform_rum_minutes (minute, route, kind, count, duration_sum_ms, buckets)
     SELECT p.minute, p.route, p.kind, sum(p.n)::bigint, sum(p.s),
            ARRAY(SELECT coalesce(sum(q.n), 0)::bigint
                    FROM generate_series(0, ?) AS g(i)
                    LEFT JOIN per_bucket q
                      ON q.minute = p.minute AND q.route = p.route AND q.kind = p.kind AND q.idx = g.i
                   GROUP BY g.i ORDER BY g.i)
       FROM per_bucket p
      GROUP BY p.minute, p.route, p.kind`,
    [BOUNDS, BOUNDS.length],
  );
  await knex.schema.dropTable('platform_rum_timings');

  await knex.schema.alterTable('platform_identity_merges', t => {
    t.index(['user_id'], 'platform_identity_merges_user_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('platform_identity_merges', t => {
    t.dropIndex(['user_id'], 'platform_identity_merges_user_idx');
  });
  await knex.schema.createTable('platform_rum_timings', t => {
    t.bigIncrements('id').primary();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('route').notNullable();
    t.text('kind').notNullable();
    t.double('duration_ms').notNullable();
    t.text('user_ref').notNullable();
    t.text('team').notNullable();
    t.index(['occurred_at'], 'platform_rum_time_idx');
  });
  await knex.schema.dropTable('platform_rum_minutes');
  await knex.schema.dropTable('platform_request_rollups_hourly');
};
