// @ts-check

// The claim as one function call: one round trip per claim instead of four (BEGIN, pick and
// lock the accounts, claim, COMMIT), and plans cached by PL/pgSQL. Under load a round trip
// costs 1–8 ms here (2 shared cores), more than both statements together (under 1 ms).
//
// Per-tenant limit: the running count and the claim must be atomic per account. Each round
// picks the accounts of the next claimable jobs and takes a transaction-scoped advisory lock
// per account, then claims with a statement whose snapshot (each statement of a VOLATILE
// function takes a fresh one) sees every claim committed before the locks were granted.
// Locks are try-locks: an account another claim holds right now is skipped for the next one,
// so simultaneous claims spread over accounts instead of queueing on the same lock. Only with
// `p_wait` (the caller's second call after a try came back empty) does the first round wait
// for its locks, taken in key order so two claims cannot deadlock: an account with a free
// slot is then never skipped by everyone. Later rounds (a short claim: an account was full
// once locked, or more accounts have work) only try-lock. At most 3 rounds.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(`
    CREATE FUNCTION export_jobs_claim(
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
          -- The first accounts (in claim order) whose lock is free, as many as jobs wanted.
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
                (SELECT count(*) FROM export_jobs r
                 WHERE r.account_id = j.account_id AND r.status = 'running') AS running
              FROM export_jobs j
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

    -- The accounts of the next claimable jobs (priority, then age), as far as this snapshot
    -- knows: the claim re-checks each account's running count once it holds the account's lock.
    CREATE FUNCTION export_jobs_claim_accounts(p_per_tenant integer, p_accounts integer)
    RETURNS TABLE (account_id uuid) LANGUAGE sql STABLE AS $$
      SELECT next_jobs.account_id FROM (
        SELECT j.account_id, j.priority, j.created_at FROM export_jobs j
        WHERE j.status = 'queued' AND j.run_after <= now()
          AND (SELECT count(*) FROM export_jobs r
               WHERE r.account_id = j.account_id AND r.status = 'running') < p_per_tenant
        ORDER BY j.priority DESC, j.created_at, j.id
        LIMIT greatest(50, p_accounts * 10)) next_jobs
      GROUP BY next_jobs.account_id
      ORDER BY max(next_jobs.priority) DESC, min(next_jobs.created_at)
      LIMIT p_accounts
    $$;
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`
    DROP FUNCTION export_jobs_claim(text, double precision, integer, integer, integer, boolean);
    DROP FUNCTION export_jobs_claim_accounts(integer, integer);
  `);
};
