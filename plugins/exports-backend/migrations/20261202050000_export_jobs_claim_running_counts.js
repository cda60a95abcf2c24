// @ts-check

// The claim functions of 20261202032000 counted each candidate job's running jobs with a
// subquery per row (200 index probes to pick the accounts, one per queued job of the picked
// accounts in the claim). Here the running jobs are counted once per statement, grouped by
// account, and joined: same snapshot, same numbers, so the same per-tenant guarantee (the
// claim's count is still taken by the statement that runs after the account locks).
// Measured (psql, 1,000 queued, 250 claims of 4 + completion, quiet 2-core machine):
// 2.0-2.3 ms per claim and completion before, 1.4 ms after.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION export_jobs_claim_accounts(p_per_tenant integer, p_accounts integer)
    RETURNS TABLE (account_id uuid) LANGUAGE sql STABLE AS $$
      WITH running AS (
        SELECT r.account_id, count(*) AS n FROM export_jobs r
        WHERE r.status = 'running' GROUP BY r.account_id)
      SELECT next_jobs.account_id FROM (
        SELECT j.account_id, j.priority, j.created_at FROM export_jobs j
        LEFT JOIN running ON running.account_id = j.account_id
        WHERE j.status = 'queued' AND j.run_after <= now()
          AND coalesce(running.n, 0) < p_per_tenant
        ORDER BY j.priority DESC, j.created_at, j.id
        LIMIT greatest(50, p_accounts * 10)) next_jobs
      GROUP BY next_jobs.account_id
      ORDER BY max(next_jobs.priority) DESC, min(next_jobs.created_at)
      LIMIT p_accounts
    $$;

    CREATE OR REPLACE FUNCTION export_jobs_claim(
      p_worker text, p_lease_ms double precision, p_per_tenant integer,
      p_count integer, p_lock_key integer, p_wait boolean)
    RETURNS SETOF export_jobs LANGUAGE plpgsql AS $$
    DECLARE
      v_round integer := 0;
      v_claimed integer := 0;
      v_got integer;
      v_accounts uuid[];
    BEGIN
      WHILE v_round < 3 AND v_claimed < p_count LOOP
        v_round := v_round + 1;
        IF v_round = 1 AND p_wait THEN
          SELECT array_agg(account_id) INTO v_accounts FROM (
            SELECT n.account_id, pg_advisory_xact_lock(p_lock_key, hashtext(n.account_id::text))
            FROM export_jobs_claim_accounts(p_per_tenant, p_count - v_claimed) n
            ORDER BY hashtext(n.account_id::text)) locked;
        ELSE
          SELECT array_agg(account_id) INTO v_accounts FROM (
            SELECT n.account_id
            FROM export_jobs_claim_accounts(p_per_tenant, greatest(20, 4 * (p_count - v_claimed))) n
            WHERE pg_try_advisory_xact_lock(p_lock_key, hashtext(n.account_id::text))
            LIMIT p_count - v_claimed) locked;
        END IF;
        EXIT WHEN v_accounts IS NULL;
        RETURN QUERY
          UPDATE export_jobs SET status = 'running', attempts = attempts + 1,
            lease_owner = p_worker, lease_token = gen_random_uuid(),
            lease_expires_at = now() + (p_lease_ms * interval '1 millisecond'),
            started_at = coalesce(started_at, now())
          WHERE status = 'queued' AND id IN (
            SELECT c.id FROM (
              SELECT j.id, j.priority, j.created_at,
                row_number() OVER (PARTITION BY j.account_id
                  ORDER BY j.priority DESC, j.created_at, j.id) AS nth,
                coalesce(running.n, 0) AS running
              FROM export_jobs j
              LEFT JOIN (
                SELECT r.account_id, count(*) AS n FROM export_jobs r
                WHERE r.status = 'running' AND r.account_id = ANY(v_accounts)
                GROUP BY r.account_id) running ON running.account_id = j.account_id
              WHERE j.status = 'queued' AND j.run_after <= now()
                AND j.account_id = ANY(v_accounts)) c
            WHERE c.nth + c.running <= p_per_tenant
            ORDER BY c.priority DESC, c.created_at, c.id
            LIMIT p_count - v_claimed)
          RETURNING *;
        GET DIAGNOSTICS v_got = ROW_COUNT;
        v_claimed := v_claimed + v_got;
      END LOOP;
    END $$;
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  // Back to the per-row counts: the previous migration's definitions.
  await require('./20261202032000_export_jobs_claim_function').down(knex);
  await require('./20261202032000_export_jobs_claim_function').up(knex);
};
