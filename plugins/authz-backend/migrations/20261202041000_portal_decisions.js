// @ts-check
/**
 * The portal policy's recorded decisions that replay decides again: the ones the platform
 * audit store records too (denials, and admin actions: writes and admin-only reads allowed to
 * administrators), written by the permission backend's portal-policy module through the
 * authz backend in the same process. The user's teams are not stored: replay resolves them
 * from today's catalog, as product replay resolves today's product data.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('authz_portal_decisions', t => {
    t.comment('Audited portal policy decisions, the input of portal replay');
    t.bigIncrements('id').primary();
    t.timestamp('decided_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.text('user_ref').nullable().comment('null: the request carried no user');
    t.text('permission').notNullable();
    t.text('permission_action').notNullable();
    t.text('resource_type').nullable();
    t.text('result').notNullable();
    t.text('reason').notNullable();
    t.text('policy_revision').notNullable();
  });
  await knex.raw(
    `ALTER TABLE authz_portal_decisions ADD CONSTRAINT authz_portal_decisions_result_check CHECK (result IN ('ALLOW', 'DENY', 'CONDITIONAL'))`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('authz_portal_decisions');
};
