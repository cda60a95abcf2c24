// @ts-check

// Webhook notifications still to deliver, so a restart does not lose the remaining attempts.
// A row is written in the transaction that finishes the job; any replica claims due rows
// (FOR UPDATE SKIP LOCKED) and logs every attempt in export_webhook_deliveries. The payload has
// no download URL: a fresh one is signed at each attempt.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('export_webhook_outbox', t => {
    t.bigIncrements('id');
    t.uuid('job_id')
      .notNullable()
      .references('id')
      .inTable('export_jobs')
      .onDelete('CASCADE');
    t.text('url').notNullable();
    t.jsonb('payload').notNullable();
    // pending → delivered | failed (attempts used up or the host left the allow-list)
    t.text('state').notNullable().defaultTo('pending');
    // Attempts started so far; a claim counts one before the POST, so a crash mid-POST uses it up.
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable();
    t.timestamp('next_attempt_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.index(['job_id']);
  });
  await knex.raw(`
    ALTER TABLE export_webhook_outbox
      ADD CONSTRAINT export_webhook_outbox_state_check CHECK (state IN ('pending','delivered','failed'));
    CREATE INDEX export_webhook_outbox_due_idx ON export_webhook_outbox (next_attempt_at) WHERE state = 'pending';
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('export_webhook_outbox');
};
