// @ts-check

// NOTIFY export_jobs_queued whenever a job becomes queued (created, retried, put back after a
// failed attempt or a lost lease), inside the transaction that queues it: idle workers on every
// replica LISTEN and claim at once instead of at their next poll. Postgres folds identical
// notifications of one transaction into one, so a bulk insert wakes each listener once.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(`
    CREATE FUNCTION export_jobs_notify_queued() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('export_jobs_queued', '');
      RETURN NULL;
    END $$;
    CREATE TRIGGER export_jobs_queued_notify
      AFTER INSERT OR UPDATE OF status ON export_jobs
      FOR EACH ROW WHEN (NEW.status = 'queued')
      EXECUTE FUNCTION export_jobs_notify_queued();
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`
    DROP TRIGGER export_jobs_queued_notify ON export_jobs;
    DROP FUNCTION export_jobs_notify_queued();
  `);
};
