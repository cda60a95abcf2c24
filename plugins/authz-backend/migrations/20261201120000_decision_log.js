// @ts-check
/**
 * The decision log: every decision answered by /v1/check and /v1/check/batch, with the check as
 * asked (for replay) and the policy's own answer (also in shadow mode). Written by group commit.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('authz_decisions', t => {
    t.comment('Every decision the service answered (group-committed)');
    t.bigIncrements('id').primary();
    t.uuid('decision_id').notNullable().unique();
    t.timestamp('decided_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.text('caller').notNullable();
    t.text('subject').notNullable();
    t.text('action').notNullable();
    t.text('resource').notNullable();
    t.text('team').nullable();
    t.text('endpoint').nullable();
    t.text('mode').notNullable();
    t.boolean('allowed').notNullable();
    t.text('reason').notNullable();
    t.boolean('policy_allowed').nullable();
    t.text('policy_reason').nullable();
    t.text('policy_revision').notNullable();
    t.boolean('cache_hit').notNullable();
    t.jsonb('check').notNullable();
    t.index(['decided_at'], 'authz_decisions_time_idx');
    t.index(['subject', 'decided_at'], 'authz_decisions_subject_idx');
    t.index(['action', 'decided_at'], 'authz_decisions_action_idx');
    t.index(['team', 'decided_at'], 'authz_decisions_team_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('authz_decisions');
};
