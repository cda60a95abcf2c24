// @ts-check
/**
 * Policy revisions of the permission service and their activations. The active revision is
 * the one of the newest activation; rolling back is activating the previous one again.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('authz_policy_revisions', t => {
    t.comment('Rego policy revisions: source, data and the compiled wasm');
    t.bigIncrements('id').primary();
    t.text('sha256')
      .notNullable()
      .unique()
      .comment('sha256 of modules, data and entrypoint');
    t.jsonb('modules').notNullable().comment('{fileName: Rego source}');
    t.jsonb('data').notNullable();
    t.text('entrypoint').notNullable();
    t.binary('wasm').notNullable();
    t.text('author').notNullable();
    t.timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('authz_policy_activations', t => {
    t.comment(
      'Every activation (and rollback) of a revision, newest is active',
    );
    t.bigIncrements('id').primary();
    t.bigInteger('revision_id')
      .notNullable()
      .references('id')
      .inTable('authz_policy_revisions');
    t.text('activated_by').notNullable();
    t.text('reason').nullable();
    t.timestamp('activated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('authz_policy_activations');
  await knex.schema.dropTable('authz_policy_revisions');
};
