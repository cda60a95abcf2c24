// @ts-check

/**
 * Capacity plugin tables: samples (value, source, time), limits added by API, status changes,
 * spend figures and the last run of each collector.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('capacity_samples', table => {
    table.bigIncrements('id').primary();
    table.string('limit_id', 63).notNullable();
    table.double('value').notNullable();
    table.timestamp('at', { useTz: true }).notNullable();
    table.string('source', 300).notNullable();
    table.string('provenance', 10).notNullable(); // live | pushed | estimate
    table.string('recorded_by', 300).notNullable();
    table
      .timestamp('recorded_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.index(['limit_id', 'at'], 'capacity_samples_limit_at_idx');
  });
  await knex.schema.raw(
    `ALTER TABLE capacity_samples ADD CONSTRAINT capacity_samples_provenance_check
       CHECK (provenance IN ('live', 'pushed', 'estimate'))`,
  );
  await knex.schema.createTable('capacity_api_limits', table => {
    table.string('id', 63).primary();
    table.jsonb('definition').notNullable();
    table.string('created_by', 300).notNullable();
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('capacity_status_changes', table => {
    table.bigIncrements('id').primary();
    table.string('limit_id', 63).notNullable();
    table.string('from_status', 10).nullable();
    table.string('to_status', 10).notNullable();
    table.text('reason').notNullable();
    table
      .timestamp('at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.text('webhook_result').nullable();
    table.index(['limit_id', 'at'], 'capacity_status_changes_limit_at_idx');
  });
  await knex.schema.createTable('capacity_spend', table => {
    table.bigIncrements('id').primary();
    table.string('driver_id', 63).notNullable();
    table.string('service_id', 63).notNullable();
    table.string('month', 7).notNullable();
    table.double('amount').notNullable();
    table.timestamp('at', { useTz: true }).notNullable();
    table.string('source', 300).notNullable();
    table.string('recorded_by', 300).notNullable();
    table.index(
      ['month', 'driver_id', 'service_id', 'at'],
      'capacity_spend_month_idx',
    );
  });
  await knex.schema.createTable('capacity_collector_runs', table => {
    table.string('collector', 63).primary();
    table.timestamp('at', { useTz: true }).notNullable();
    table.jsonb('result').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('capacity_collector_runs');
  await knex.schema.dropTable('capacity_spend');
  await knex.schema.dropTable('capacity_status_changes');
  await knex.schema.dropTable('capacity_api_limits');
  await knex.schema.dropTable('capacity_samples');
};
