// @ts-check

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // Per-team platform calls per minute, copied from the platform's request rollups.
  await knex.schema.createTable('adoption_usage_minutes', t => {
    t.text('team').notNullable();
    t.text('capability').notNullable();
    t.timestamp('minute', { useTz: true }).notNullable();
    t.bigInteger('calls').notNullable();
    t.primary(['team', 'capability', 'minute']);
  });
  await knex.schema.createTable('adoption_collector_state', t => {
    t.text('key').primary();
    t.timestamp('watermark', { useTz: true }).notNullable();
  });
  // Legacy calls reported by the adapter shim (adoption-node), per path and day.
  await knex.schema.createTable('adoption_legacy_calls', t => {
    t.text('team').notNullable();
    t.text('capability').notNullable();
    t.text('legacy_path').notNullable();
    t.date('day').notNullable();
    t.bigInteger('calls').notNullable();
    t.timestamp('last_call_at', { useTz: true }).notNullable();
    t.primary(['team', 'capability', 'legacy_path', 'day']);
  });
  await knex.schema.createTable('adoption_phase_history', t => {
    t.bigIncrements('id');
    t.text('team').notNullable();
    t.text('capability').notNullable();
    t.text('source').notNullable();
    t.integer('from_phase');
    t.integer('phase').notNullable();
    t.text('reason').notNullable();
    t.jsonb('evidence').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable();
    t.index(['team', 'capability', 'source', 'changed_at']);
  });
  await knex.raw(
    `ALTER TABLE adoption_phase_history ADD CONSTRAINT adoption_phase_history_source CHECK (source IN ('measured', 'declared'))`,
  );
  await knex.schema.createTable('adoption_score_days', t => {
    t.text('team').notNullable();
    t.date('day').notNullable();
    t.double('score').notNullable();
    t.primary(['team', 'day']);
  });
  await knex.schema.createTable('adoption_risk_edits', t => {
    t.bigIncrements('id');
    t.text('item_id').notNullable();
    t.jsonb('changes').notNullable();
    t.text('edited_by').notNullable();
    t.timestamp('edited_at', { useTz: true }).notNullable();
    t.index(['item_id', 'id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('adoption_risk_edits');
  await knex.schema.dropTable('adoption_score_days');
  await knex.schema.dropTable('adoption_phase_history');
  await knex.schema.dropTable('adoption_legacy_calls');
  await knex.schema.dropTable('adoption_collector_state');
  await knex.schema.dropTable('adoption_usage_minutes');
};
