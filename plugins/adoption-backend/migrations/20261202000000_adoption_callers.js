// @ts-check

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // Calls per minute that reached a route declared deprecated (versioning.yaml), per caller.
  await knex.schema.createTable('adoption_deprecated_minutes', t => {
    t.text('team').notNullable();
    t.text('capability').notNullable();
    t.text('version').notNullable();
    t.timestamp('minute', { useTz: true }).notNullable();
    t.bigInteger('calls').notNullable();
    t.primary(['team', 'capability', 'version', 'minute']);
  });
  // One campaign reminder per campaign, team and UTC day (delivered at most once that day).
  await knex.schema.createTable('adoption_reminders', t => {
    t.bigIncrements('id');
    t.text('campaign').notNullable();
    t.text('team').notNullable();
    t.date('day').notNullable();
    t.text('status').notNullable();
    t.text('detail').notNullable().defaultTo('');
    t.integer('attempts').notNullable().defaultTo(1);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['campaign', 'team', 'day']);
  });
  await knex.raw(
    `ALTER TABLE adoption_reminders ADD CONSTRAINT adoption_reminders_status CHECK (status IN ('sending', 'delivered', 'failed'))`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('adoption_reminders');
  await knex.schema.dropTable('adoption_deprecated_minutes');
};
