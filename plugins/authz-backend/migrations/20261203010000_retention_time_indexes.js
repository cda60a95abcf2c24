// @ts-check
/**
 * Time indexes for the retention purge (`src/retention`): the shadow and portal decision tables
 * had none leading with `decided_at`, so a purge by age would scan them whole.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('authz_shadow_decisions', t => {
    t.index(['decided_at'], 'authz_shadow_decisions_time_idx');
  });
  await knex.schema.alterTable('authz_portal_decisions', t => {
    t.index(['decided_at'], 'authz_portal_decisions_time_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('authz_portal_decisions', t => {
    t.dropIndex(['decided_at'], 'authz_portal_decisions_time_idx');
  });
  await knex.schema.alterTable('authz_shadow_decisions', t => {
    t.dropIndex(['decided_at'], 'authz_shadow_decisions_time_idx');
  });
};
