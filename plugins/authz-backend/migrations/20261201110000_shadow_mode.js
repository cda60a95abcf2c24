// @ts-check
/**
 * Shadow mode: the enforcement mode per team and endpoint, and every shadow decision with both
 * answers (for discrepancy rates and, later, replay).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('authz_enforcement_modes', t => {
    t.comment('off | shadow | enforce per calling team and endpoint');
    t.text('team').notNullable();
    t.text('endpoint').notNullable();
    t.text('mode').notNullable();
    t.text('updated_by').notNullable();
    t.text('reason').nullable();
    t.timestamp('updated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.primary(['team', 'endpoint']);
  });
  await knex.raw(
    `ALTER TABLE authz_enforcement_modes ADD CONSTRAINT authz_enforcement_mode_check CHECK (mode IN ('off', 'shadow', 'enforce'))`,
  );
  await knex.schema.createTable('authz_shadow_decisions', t => {
    t.comment(
      'Decisions made in shadow mode: the legacy answer given and the policy answer',
    );
    t.bigIncrements('id').primary();
    t.text('team').notNullable();
    t.text('endpoint').notNullable();
    t.uuid('decision_id').notNullable();
    t.text('subject').notNullable();
    t.text('action').notNullable();
    t.text('resource').notNullable();
    t.boolean('legacy_allowed').notNullable();
    t.text('legacy_reason').nullable();
    t.boolean('policy_allowed').notNullable();
    t.text('policy_reason').notNullable();
    t.text('policy_revision').notNullable();
    t.boolean('discrepancy').notNullable();
    t.timestamp('decided_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.index(['team', 'endpoint', 'decided_at'], 'authz_shadow_team_time_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('authz_shadow_decisions');
  await knex.schema.dropTable('authz_enforcement_modes');
};
