// @ts-check

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('export_jobs', t => {
    t.uuid('id').primary();
    t.text('status').notNullable().defaultTo('queued');
    t.text('dataset').notNullable();
    t.uuid('account_id').notNullable();
    t.text('region').notNullable();
    t.text('plan').notNullable();
    // Higher first: enterprise accounts' jobs are claimed before others.
    t.integer('priority').notNullable().defaultTo(0);
    t.text('format').notNullable();
    t.jsonb('delivery').notNullable();
    t.jsonb('filter');
    t.jsonb('fields');
    // Data classes the requester was allowed at request time (the run uses at most these).
    t.jsonb('readable_data_classes').notNullable();
    t.text('requested_by').notNullable();
    t.text('team');
    t.text('idempotency_key');
    t.double('progress').notNullable().defaultTo(0);
    t.bigInteger('rows_written').notNullable().defaultTo(0);
    t.bigInteger('bytes_written').notNullable().defaultTo(0);
    t.bigInteger('rows_estimated');
    t.double('eta_seconds');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable().defaultTo(3);
    t.timestamp('run_after', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.text('lease_owner');
    t.uuid('lease_token');
    t.timestamp('lease_expires_at', { useTz: true });
    // Incremented by the one UPDATE that completes a job: tests assert it is exactly 1.
    t.integer('completions').notNullable().defaultTo(0);
    t.text('error_type');
    t.text('error_message');
    t.text('storage_key');
    t.timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.unique(['requested_by', 'idempotency_key']);
    t.index(['requested_by', 'created_at']);
    t.index(['account_id', 'status']);
  });
  await knex.raw(`
    ALTER TABLE export_jobs
      ADD CONSTRAINT export_jobs_status_check CHECK (status IN ('queued','running','succeeded','failed','cancelled','expired')),
      ADD CONSTRAINT export_jobs_format_check CHECK (format IN ('csv','xlsx','pdf')),
      ADD CONSTRAINT export_jobs_region_check CHECK (region IN ('us','eu'));
    CREATE INDEX export_jobs_queue_idx ON export_jobs (priority DESC, created_at) WHERE status = 'queued';
    CREATE INDEX export_jobs_lease_idx ON export_jobs (lease_expires_at) WHERE status = 'running';
    CREATE INDEX export_jobs_expiry_idx ON export_jobs (expires_at) WHERE status = 'succeeded';
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('export_jobs');
};
