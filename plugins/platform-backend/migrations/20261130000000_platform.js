// @ts-check
/**
 * The platform backend's own tables: the analytics event log and its dead letters, identity
 * merges, data-QA results, the hash-chained audit store, request/RUM telemetry and
 * retention runs.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('platform_events', t => {
    t.comment(
      'Event log (raw analytics events, retention class analytics_raw). Append-only; seq is the delivery cursor. event_id is not unique here: at-least-once delivery may store an event twice and consumers dedupe.',
    );
    t.bigIncrements('seq').primary();
    t.uuid('event_id').notNullable();
    t.text('name')
      .notNullable()
      .comment('As emitted: noun.verb or noun.verb.vN');
    t.text('event_type').notNullable().comment('noun.verb');
    t.integer('version').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.text('producer').notNullable();
    t.text('user_id').nullable();
    t.uuid('account_id').nullable();
    t.uuid('anonymous_id').nullable();
    t.jsonb('properties').notNullable();
    t.index(['event_type', 'occurred_at'], 'platform_events_type_time_idx');
    t.index(['occurred_at'], 'platform_events_time_idx');
    t.index(['event_id'], 'platform_events_event_id_idx');
    t.index(['user_id'], 'platform_events_user_idx');
  });
  await knex.raw(
    'CREATE INDEX platform_events_anonymous_idx ON platform_events (anonymous_id) WHERE anonymous_id IS NOT NULL',
  );

  await knex.schema.createTable('platform_identity_merges', t => {
    t.comment(
      'anonymous_id -> user from identity.merged events; queries re-attribute pre-auth events through it',
    );
    t.uuid('anonymous_id').primary();
    t.text('user_id').notNullable();
    t.uuid('account_id').nullable();
    t.uuid('event_id').notNullable();
    t.timestamp('merged_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('platform_dead_letters', t => {
    t.comment(
      'Events that failed schema validation, with the violations; replayable',
    );
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('event_id').nullable();
    t.text('name').notNullable();
    t.text('event_type').nullable();
    t.text('producer').notNullable();
    t.jsonb('payload').notNullable();
    t.jsonb('violations').notNullable();
    t.timestamp('received_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.integer('replay_attempts').notNullable().defaultTo(0);
    t.timestamp('last_replay_at', { useTz: true }).nullable();
    t.timestamp('replayed_at', { useTz: true }).nullable();
    t.bigInteger('replayed_seq').nullable();
    t.index(['received_at'], 'platform_dead_letters_time_idx');
    t.index(
      ['event_type', 'received_at'],
      'platform_dead_letters_type_time_idx',
    );
  });

  await knex.schema.createTable('platform_qa_results', t => {
    t.comment(
      'Data-QA check results: volume anomaly, null rate, duplicate rate per event type',
    );
    t.bigIncrements('id').primary();
    t.uuid('run_id').notNullable();
    t.text('check').notNullable();
    t.text('event_type').notNullable();
    t.text('field').nullable();
    t.double('value').nullable();
    t.text('threshold').notNullable();
    t.text('status').notNullable();
    t.text('detail').notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.timestamp('window_end', { useTz: true }).notNullable();
    t.timestamp('checked_at', { useTz: true }).notNullable();
    t.index(['checked_at'], 'platform_qa_results_time_idx');
    t.index(['run_id'], 'platform_qa_results_run_idx');
  });

  await knex.schema.createTable('platform_audit_log', t => {
    t.comment(
      'Tamper-evident audit store: hash = sha256(prev_hash || canonical(record)). Append-only (trigger); only the retention purge may delete, from the start of the chain.',
    );
    t.bigInteger('seq').primary();
    t.uuid('id').notNullable().unique();
    t.timestamp('recorded_at', { useTz: true }).notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('resource').notNullable();
    t.text('outcome').notNullable();
    t.text('severity').notNullable();
    t.text('plugin').notNullable();
    t.jsonb('meta').notNullable();
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable();
    t.index(['actor', 'occurred_at'], 'platform_audit_actor_idx');
    t.index(['action', 'occurred_at'], 'platform_audit_action_idx');
    t.index(['resource', 'occurred_at'], 'platform_audit_resource_idx');
    t.index(['occurred_at'], 'platform_audit_time_idx');
    t.index(['recorded_at'], 'platform_audit_recorded_idx');
  });
  await knex.schema.createTable('platform_audit_head', t => {
    t.comment(
      'The chain head: appenders lock this one row, so concurrent writers keep one chain',
    );
    t.integer('id').primary();
    t.bigInteger('last_seq').notNullable();
    t.text('last_hash').notNullable();
  });
  await knex('platform_audit_head').insert({
    id: 1,
    last_seq: 0,
    last_hash: '0'.repeat(64),
  });
  await knex.schema.createTable('platform_audit_anchors', t => {
    t.comment(
      'Re-anchoring after a retention purge: the first remaining seq and the hash it chains to',
    );
    t.bigIncrements('id').primary();
    t.bigInteger('first_seq').notNullable();
    t.text('prev_hash').notNullable();
    t.bigInteger('purged_count').notNullable();
    t.timestamp('cutoff', { useTz: true }).notNullable();
    t.uuid('run_id').notNullable();
    t.timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
  });
  await knex.raw(`
    CREATE FUNCTION platform_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'platform_audit_log'
         AND current_setting('platform.audit_purge', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit store is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER platform_audit_log_append_only BEFORE UPDATE OR DELETE ON platform_audit_log
      FOR EACH ROW EXECUTE FUNCTION platform_audit_refuse_change();
    CREATE TRIGGER platform_audit_log_no_truncate BEFORE TRUNCATE ON platform_audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_refuse_change();
    CREATE TRIGGER platform_audit_anchors_append_only BEFORE UPDATE OR DELETE ON platform_audit_anchors
      FOR EACH ROW EXECUTE FUNCTION platform_audit_refuse_change();
  `);

  await knex.schema.createTable('platform_request_rollups', t => {
    t.comment(
      'Per-minute RED rollups of platform backends (operational); SLO computations read these',
    );
    t.timestamp('minute', { useTz: true }).notNullable();
    t.text('service').notNullable();
    t.text('method').notNullable();
    t.text('route').notNullable();
    t.text('status_class').notNullable();
    t.text('team').notNullable();
    t.text('user_ref').notNullable();
    t.bigInteger('count').notNullable();
    t.bigInteger('errors').notNullable();
    t.double('duration_sum_ms').notNullable();
    t.specificType('buckets', 'bigint[]')
      .notNullable()
      .comment('Counts per LATENCY_BUCKETS_MS bound, then overflow');
    t.primary([
      'minute',
      'service',
      'method',
      'route',
      'status_class',
      'team',
      'user_ref',
    ]);
    t.index(['service', 'minute'], 'platform_request_rollups_service_idx');
  });

  await knex.schema.createTable('platform_rum_timings', t => {
    t.comment(
      'Real-user page-load timings from the portal frontend (operational)',
    );
    t.bigIncrements('id').primary();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('route').notNullable();
    t.text('kind').notNullable();
    t.double('duration_ms').notNullable();
    t.text('user_ref').notNullable();
    t.text('team').notNullable();
    t.index(['occurred_at'], 'platform_rum_time_idx');
  });

  await knex.schema.createTable('platform_retention_runs', t => {
    t.comment(
      'Reports of retention purge runs (each run is also in the audit store)',
    );
    t.uuid('run_id').primary();
    t.timestamp('ran_at', { useTz: true }).notNullable();
    t.jsonb('report').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('platform_retention_runs');
  await knex.schema.dropTable('platform_rum_timings');
  await knex.schema.dropTable('platform_request_rollups');
  await knex.schema.dropTable('platform_audit_anchors');
  await knex.schema.dropTable('platform_audit_head');
  await knex.schema.dropTable('platform_audit_log');
  await knex.raw('DROP FUNCTION platform_audit_refuse_change()');
  await knex.schema.dropTable('platform_qa_results');
  await knex.schema.dropTable('platform_dead_letters');
  await knex.schema.dropTable('platform_identity_merges');
  await knex.schema.dropTable('platform_events');
};
