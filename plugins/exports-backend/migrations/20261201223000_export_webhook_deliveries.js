// @ts-check

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('export_webhook_deliveries', t => {
    t.bigIncrements('id');
    t.uuid('job_id')
      .notNullable()
      .references('id')
      .inTable('export_jobs')
      .onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.text('url').notNullable();
    t.integer('status_code');
    t.text('error');
    t.boolean('delivered').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['job_id', 'id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('export_webhook_deliveries');
};
