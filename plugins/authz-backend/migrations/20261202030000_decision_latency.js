// @ts-check
/**
 * Decision latency: per decision (`authz_decisions.latency_us`) and as per-minute histograms by
 * cache outcome (`authz_decision_latency_minutes`), which the SLO plugin reads through authz-node
 * for the cached and uncached permission-check SLIs without scanning the decision log.
 *
 * Latency is the evaluation time of one decision (cache lookup, or policy evaluation on a miss),
 * from the check's arrival at the evaluator to its answer, excluding the decision-log commit.
 * `buckets` holds NON-cumulative counts per bound of LATENCY_BUCKETS_MS (platform-common:
 * decisions with latency <= bound and > the previous bound), then one overflow count.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('authz_decisions', t => {
    t.integer('latency_us').nullable();
  });
  await knex.schema.createTable('authz_decision_latency_minutes', t => {
    t.comment(
      'Decision latency histograms per minute and cache outcome (written with the group commit)',
    );
    t.timestamp('minute', { useTz: true }).notNullable();
    t.boolean('cache_hit').notNullable();
    t.bigInteger('decisions').notNullable();
    t.specificType('buckets', 'bigint[]').notNullable();
    t.primary(['minute', 'cache_hit']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('authz_decision_latency_minutes');
  await knex.schema.alterTable('authz_decisions', t => {
    t.dropColumn('latency_us');
  });
};
