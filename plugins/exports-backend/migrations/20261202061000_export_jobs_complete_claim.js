// @ts-check

// A group of completions and the next jobs of the workers that completed, in one statement
// (one round trip, one implicit transaction): ExportStore.completeMany's path for files that
// are already under their attempt's own key (ExportStorage.keyFor), so no row lock has to be
// held while a file is renamed.
//
// p_done: [{ id, token, rows, bytes, key, retention_ms, claim }] (export_jobs_complete's
// argument plus `claim`: the completing worker wants its next job). Returns the rows of the
// jobs completed (status `succeeded`: only those whose lease token still matched), then the
// jobs claimed for the completed ones that asked (status `running`, try-locks only, like a
// first claim). The claim is part of the statement: if it fails, nothing is committed and the
// caller completes again without it. Jobs with a webhook delivery are refused (the statement
// fails): their outbox row must be queued in the completing transaction, which the caller's
// locked path does.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(`
    CREATE FUNCTION export_jobs_complete_claim(
      p_done jsonb, p_worker text, p_lease_ms double precision, p_per_tenant integer,
      p_lock_key integer)
    RETURNS SETOF export_jobs LANGUAGE plpgsql AS $$
    DECLARE
      v_ids uuid[];
      v_claims integer;
    BEGIN
      v_ids := ARRAY(SELECT export_jobs_complete(p_done));
      IF EXISTS (SELECT 1 FROM export_jobs WHERE id = ANY(v_ids) AND delivery->>'type' = 'webhook') THEN
        RAISE EXCEPTION 'export_jobs_complete_claim: a webhook job needs its outbox row in the same transaction';
      END IF;
      RETURN QUERY SELECT * FROM export_jobs WHERE id = ANY(v_ids);
      SELECT count(*) INTO v_claims FROM jsonb_to_recordset(p_done) AS c(id uuid, claim boolean)
      WHERE c.claim AND c.id = ANY(v_ids);
      IF v_claims > 0 THEN
        RETURN QUERY SELECT * FROM export_jobs_claim(
          p_worker, p_lease_ms, p_per_tenant, v_claims, p_lock_key, false);
      END IF;
    END $$;
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(
    'DROP FUNCTION export_jobs_complete_claim(jsonb, text, double precision, integer, integer)',
  );
};
