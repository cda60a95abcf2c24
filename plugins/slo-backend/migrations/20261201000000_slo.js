// @ts-check

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // SLOs defined through the API (SLOs from slos/*.yaml live in the repo, not here).
  await knex.schema.createTable('slo_definitions', table => {
    table.string('id', 63).primary();
    table.jsonb('definition').notNullable();
    table.string('created_by', 300).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
  });
  // Per-minute (good, total) of each SLO's SLI; downsampled history has resolution 60.
  await knex.schema.createTable('slo_minutes', table => {
    table.string('slo_id', 63).notNullable();
    table.timestamp('minute', { useTz: true }).notNullable();
    table.double('good').notNullable();
    table.double('total').notNullable();
    table.integer('resolution_minutes').notNullable().defaultTo(1);
    table.string('source', 20).notNullable();
    table.primary(['slo_id', 'minute']);
  });
  await knex.schema.createTable('slo_ingest_cursors', table => {
    table.string('slo_id', 63).primary();
    table.timestamp('through_minute', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('slo_alert_states', table => {
    table.string('slo_id', 63).notNullable();
    table.string('alert', 63).notNullable();
    table.string('state', 16).notNullable();
    table.timestamp('since', { useTz: true }).notNullable();
    table.primary(['slo_id', 'alert']);
  });
  await knex.schema.createTable('slo_alert_history', table => {
    table.bigIncrements('id');
    table.string('slo_id', 63).notNullable();
    table.string('alert', 63).notNullable();
    table.string('severity', 16).notNullable();
    table.string('from_state', 16).notNullable();
    table.string('to_state', 16).notNullable();
    table.timestamp('at', { useTz: true }).notNullable();
    table.double('long_burn_rate');
    table.double('short_burn_rate');
    table.index(['at']);
    table.index(['slo_id', 'at']);
  });
  // PagerDuty Events v2 deliveries: written in the same transaction as the history row.
  await knex.schema.createTable('slo_notifications', table => {
    table.bigIncrements('id');
    table
      .bigInteger('history_id')
      .notNullable()
      .references('id')
      .inTable('slo_alert_history')
      .onDelete('CASCADE');
    table.string('dedup_key', 200).notNullable();
    table.jsonb('payload').notNullable();
    table.string('status', 16).notNullable(); // pending | delivered | failed
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable();
    table.text('last_error');
    table.timestamp('delivered_at', { useTz: true });
    table.index(['status', 'next_attempt_at']);
    table.index(['history_id']);
  });
  await knex.schema.createTable('slo_policy_states', table => {
    table.string('slo_id', 63).primary();
    table.string('state', 16).notNullable();
    table.text('reason').notNullable();
    table.timestamp('since', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('slo_policy_events', table => {
    table.bigIncrements('id');
    table.string('slo_id', 63).notNullable();
    table.string('from_state', 16).notNullable();
    table.string('to_state', 16).notNullable();
    table.text('reason').notNullable();
    table.timestamp('at', { useTz: true }).notNullable();
    table.index(['slo_id', 'at']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const name of [
    'slo_policy_events',
    'slo_policy_states',
    'slo_notifications',
    'slo_alert_history',
    'slo_alert_states',
    'slo_ingest_cursors',
    'slo_minutes',
    'slo_definitions',
  ]) {
    await knex.schema.dropTableIfExists(name);
  }
};
