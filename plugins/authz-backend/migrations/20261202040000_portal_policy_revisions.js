// @ts-check
/**
 * Revisions of two policies in the same tables: `product` (the Check API's policy) and
 * `portal` (the portal's Backstage PermissionPolicy, evaluated by the permission backend's
 * portal-policy module). Each policy has its own active revision: the newest activation of
 * that policy. Existing rows are product revisions.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  for (const table of ['authz_policy_revisions', 'authz_policy_activations']) {
    await knex.schema.alterTable(table, t => {
      t.text('policy')
        .notNullable()
        .defaultTo('product')
        .comment('which policy: product or portal');
    });
    await knex.raw(
      `ALTER TABLE ${table} ADD CONSTRAINT ${table}_policy_check CHECK (policy IN ('product', 'portal'))`,
    );
  }
  await knex.schema.alterTable('authz_policy_activations', t => {
    t.index(['policy', 'id'], 'authz_policy_activations_policy_id_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex('authz_policy_activations').where({ policy: 'portal' }).delete();
  await knex('authz_policy_revisions').where({ policy: 'portal' }).delete();
  await knex.schema.alterTable('authz_policy_activations', t => {
    t.dropIndex(['policy', 'id'], 'authz_policy_activations_policy_id_idx');
    t.dropColumn('policy');
  });
  await knex.schema.alterTable('authz_policy_revisions', t => {
    t.dropColumn('policy');
  });
};
