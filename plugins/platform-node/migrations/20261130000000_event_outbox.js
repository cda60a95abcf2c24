// @ts-check
/**
 * Tables the platform node library keeps in the database of each plugin that uses it:
 * the transactional outbox of events it produced, and the cursor and 24 h dedupe window
 * of each event consumer it runs. Tracked in their own migrations table
 * (platform_node_knex_migrations) so they never clash with the plugin's own migrations.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('platform_event_outbox', table => {
    table.comment(
      'Events produced by this plugin, written in the producer transaction; a relay delivers and deletes them',
    );
    table.bigIncrements('id').primary();
    table.uuid('event_id').notNullable();
    table.text('name').notNullable();
    table
      .jsonb('payload')
      .notNullable()
      .comment('The full event envelope as emitted');
    table
      .jsonb('violations')
      .nullable()
      .comment('Schema violations found at production time; null when valid');
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.integer('attempts').notNullable().defaultTo(0);
    table.text('last_error').nullable();
  });
  await knex.schema.createTable('platform_event_consumer_cursors', table => {
    table.comment('Position of each event consumer in the platform event log');
    table.text('consumer').primary();
    table.text('cursor').nullable();
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('platform_event_consumer_seen', table => {
    table.comment(
      'event_ids each consumer handled in the last 24 h: redeliveries are skipped',
    );
    table.text('consumer').notNullable();
    table.uuid('event_id').notNullable();
    table
      .timestamp('seen_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.primary(['consumer', 'event_id']);
    table.index(['seen_at'], 'platform_event_consumer_seen_time_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('platform_event_consumer_seen');
  await knex.schema.dropTable('platform_event_consumer_cursors');
  await knex.schema.dropTable('platform_event_outbox');
};
