// @ts-check
/**
 * The audit chain's trust boundary (issue 8):
 * - records, the head and anchors carry the id of the HMAC key (held outside the database)
 *   that signs them; anchors carry their own MAC;
 * - the append-only trigger no longer honours a session switch: only the NOLOGIN role
 *   `platform_audit_purger` may delete, and only through the SECURITY DEFINER function
 *   `platform_audit_purge(...)`, which it owns;
 * - the head row may only move forward, onto a record that exists with that hash;
 * - `platform_audit_writer` (NOLOGIN) holds exactly what an appender needs; production grants
 *   it to the app's login role (docs/security.md);
 * - `platform_audit_policy` (not writable by the writer role) records where the keyed chain
 *   begins and an optional retention floor the purge function enforces;
 * - `platform_audit_verify_runs` keeps the results of the scheduled verify job.
 *
 * Creating the roles needs CREATEROLE (and, for `ALTER FUNCTION ... OWNER`, membership in the
 * purger role): run migrations as the schema owner, not as the app role.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  for (const role of ['platform_audit_purger', 'platform_audit_writer']) {
    // Roles are cluster-wide: several databases (tests run in parallel) may race to create them.
    await knex.raw(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
          CREATE ROLE ${role} NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$;
    `);
  }

  await knex.schema.alterTable('platform_audit_log', t => {
    t.text('key_id')
      .nullable()
      .comment(
        'Id of the HMAC key (config platform.audit.hmacKeys) that signed this record: hash = HMAC-SHA256(key, prev_hash || canonical(record)). NULL only for records written before keying began (seq < platform_audit_policy.keyed_from_seq).',
      );
  });
  await knex.schema.alterTable('platform_audit_head', t => {
    t.text('last_key_id').nullable();
  });
  await knex.schema.alterTable('platform_audit_anchors', t => {
    t.text('key_id').nullable();
    t.text('mac')
      .nullable()
      .comment(
        'HMAC-SHA256 of canonical {cutoff, first_seq, key_id, prev_hash, run_id}; NULL only for anchors older than keying',
      );
  });

  await knex.schema.createTable('platform_audit_policy', t => {
    t.comment(
      'Audit chain policy the app role may read but not change: where the HMAC-keyed chain begins, anchors older than keying, retention floor for the purge function',
    );
    t.integer('id').primary();
    t.uuid('chain_id')
      .notNullable()
      .defaultTo(knex.raw('gen_random_uuid()'))
      .comment(
        'Identifies this chain in checkpoint sinks that several databases share (dev, tests)',
      );
    t.bigInteger('keyed_from_seq').notNullable();
    t.bigInteger('legacy_anchor_max_id').notNullable();
    t.integer('min_retention_days')
      .nullable()
      .comment(
        'If set, platform_audit_purge refuses cutoffs later than now() minus this many days',
      );
  });
  await knex.raw(`
    INSERT INTO platform_audit_policy (id, keyed_from_seq, legacy_anchor_max_id)
    SELECT 1, h.last_seq + 1, COALESCE((SELECT max(id) FROM platform_audit_anchors), 0)
    FROM platform_audit_head h WHERE h.id = 1
  `);

  await knex.schema.createTable('platform_audit_verify_runs', t => {
    t.comment(
      'Runs of the audit chain verify job (scheduled or requested by an admin) and their results',
    );
    t.bigIncrements('id').primary();
    t.text('trigger').notNullable().comment('schedule | manual');
    t.text('requested_by').nullable();
    t.timestamp('requested_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    t.text('status')
      .notNullable()
      .comment('requested | running | done | error');
    t.timestamp('started_at', { useTz: true }).nullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.jsonb('result').nullable();
    t.text('error').nullable();
    t.index(['status', 'id'], 'platform_audit_verify_runs_status_idx');
  });

  await knex.raw(`
    CREATE OR REPLACE FUNCTION platform_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Only the purge function (running as its owner) may delete, and only log rows.
      IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'platform_audit_log'
         AND current_user = 'platform_audit_purger' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit store is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$;

    CREATE FUNCTION platform_audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'UPDATE' OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'audit head: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NEW.last_seq < OLD.last_seq THEN
        RAISE EXCEPTION 'audit head may only move forward (% -> % refused)', OLD.last_seq, NEW.last_seq
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NEW.last_seq <> OLD.last_seq AND NOT EXISTS (
        SELECT 1 FROM platform_audit_log l
        WHERE l.seq = NEW.last_seq AND l.hash = NEW.last_hash
          AND l.key_id IS NOT DISTINCT FROM NEW.last_key_id
      ) THEN
        RAISE EXCEPTION 'audit head must point at an existing record with that hash (seq % refused)', NEW.last_seq
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NEW.last_seq = OLD.last_seq AND (NEW.last_hash <> OLD.last_hash
          OR NEW.last_key_id IS DISTINCT FROM OLD.last_key_id) THEN
        RAISE EXCEPTION 'audit head hash may not change without a new record'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER platform_audit_head_forward_only BEFORE UPDATE OR DELETE ON platform_audit_head
      FOR EACH ROW EXECUTE FUNCTION platform_audit_head_forward_only();
    CREATE TRIGGER platform_audit_head_no_truncate BEFORE TRUNCATE ON platform_audit_head
      FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_refuse_change();
    CREATE TRIGGER platform_audit_anchors_no_truncate BEFORE TRUNCATE ON platform_audit_anchors
      FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_refuse_change();
    CREATE TRIGGER platform_audit_policy_no_truncate BEFORE TRUNCATE ON platform_audit_policy
      FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_refuse_change();
  `);

  // The purge: deletes the prefix through p_through_seq (whose hash and age the caller states)
  // and writes the anchor the caller signed; the MAC needs the key, which the database lacks.
  await knex.raw(`
    CREATE FUNCTION platform_audit_purge(
      p_through_seq bigint, p_through_hash text, p_cutoff timestamptz, p_run_id uuid,
      p_key_id text, p_mac text
    ) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${schemaOf(
      knex,
    )}, pg_temp AS $$
    DECLARE
      v_row platform_audit_log%ROWTYPE;
      v_floor integer;
      v_deleted bigint;
    BEGIN
      PERFORM 1 FROM platform_audit_head WHERE id = 1 FOR UPDATE;
      IF p_key_id IS NULL OR p_mac IS NULL OR length(p_mac) <> 64 THEN
        RAISE EXCEPTION 'audit purge: the anchor must be signed (key id and MAC)'
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      SELECT min_retention_days INTO v_floor FROM platform_audit_policy WHERE id = 1;
      IF v_floor IS NOT NULL AND p_cutoff > now() - make_interval(days => v_floor) THEN
        RAISE EXCEPTION 'audit purge: cutoff % is inside the % day retention floor', p_cutoff, v_floor
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      SELECT * INTO v_row FROM platform_audit_log WHERE seq = p_through_seq;
      IF NOT FOUND OR v_row.hash <> p_through_hash OR v_row.recorded_at >= p_cutoff THEN
        RAISE EXCEPTION 'audit purge: seq % is not a record with that hash recorded before the cutoff', p_through_seq
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF EXISTS (SELECT 1 FROM platform_audit_log WHERE seq <= p_through_seq AND recorded_at >= p_cutoff) THEN
        RAISE EXCEPTION 'audit purge: records up to seq % are not all older than the cutoff', p_through_seq
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      DELETE FROM platform_audit_log WHERE seq <= p_through_seq;
      GET DIAGNOSTICS v_deleted = ROW_COUNT;
      INSERT INTO platform_audit_anchors (first_seq, prev_hash, purged_count, cutoff, run_id, key_id, mac)
      VALUES (p_through_seq + 1, p_through_hash, v_deleted, p_cutoff, p_run_id, p_key_id, p_mac);
      RETURN v_deleted;
    END $$;
    REVOKE ALL ON FUNCTION platform_audit_purge(bigint, text, timestamptz, uuid, text, text) FROM PUBLIC;
  `);
  const schema = schemaOf(knex);
  await knex.raw(`
    GRANT USAGE ON SCHEMA ${schema} TO platform_audit_purger, platform_audit_writer;
    GRANT SELECT, DELETE ON platform_audit_log TO platform_audit_purger;
    GRANT SELECT ON platform_audit_head, platform_audit_policy TO platform_audit_purger;
    GRANT SELECT, INSERT ON platform_audit_anchors TO platform_audit_purger;
    GRANT USAGE ON SEQUENCE platform_audit_anchors_id_seq TO platform_audit_purger;
    GRANT UPDATE ON platform_audit_head TO platform_audit_purger;
    ALTER FUNCTION platform_audit_purge(bigint, text, timestamptz, uuid, text, text) OWNER TO platform_audit_purger;

    GRANT SELECT, INSERT ON platform_audit_log TO platform_audit_writer;
    GRANT SELECT, UPDATE ON platform_audit_head TO platform_audit_writer;
    GRANT SELECT ON platform_audit_anchors, platform_audit_policy TO platform_audit_writer;
    GRANT SELECT, INSERT, UPDATE ON platform_audit_verify_runs TO platform_audit_writer;
    GRANT USAGE ON SEQUENCE platform_audit_verify_runs_id_seq TO platform_audit_writer;
    GRANT EXECUTE ON FUNCTION platform_audit_purge(bigint, text, timestamptz, uuid, text, text) TO platform_audit_writer;
  `);
};

/** @param {import('knex').Knex} knex */
function schemaOf(knex) {
  const searchPath = knex.client.searchPath;
  const schema = Array.isArray(searchPath) ? searchPath[0] : searchPath;
  return schema && /^[a-z_][a-z0-9_]*$/.test(schema) ? schema : 'public';
}

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  const schema = schemaOf(knex);
  await knex.raw(`
    REVOKE ALL ON platform_audit_log, platform_audit_head, platform_audit_anchors,
      platform_audit_policy, platform_audit_verify_runs
      FROM platform_audit_purger, platform_audit_writer;
    REVOKE ALL ON SEQUENCE platform_audit_anchors_id_seq FROM platform_audit_purger;
    REVOKE USAGE ON SCHEMA ${schema} FROM platform_audit_purger, platform_audit_writer;
    DROP FUNCTION platform_audit_purge(bigint, text, timestamptz, uuid, text, text);
    DROP TRIGGER platform_audit_head_forward_only ON platform_audit_head;
    DROP TRIGGER platform_audit_head_no_truncate ON platform_audit_head;
    DROP TRIGGER platform_audit_anchors_no_truncate ON platform_audit_anchors;
    DROP TRIGGER platform_audit_policy_no_truncate ON platform_audit_policy;
    DROP FUNCTION platform_audit_head_forward_only();
    CREATE OR REPLACE FUNCTION platform_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'platform_audit_log'
         AND current_setting('platform.audit_purge', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit store is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$;
  `);
  await knex.schema.dropTable('platform_audit_verify_runs');
  await knex.schema.dropTable('platform_audit_policy');
  await knex.schema.alterTable('platform_audit_anchors', t => {
    t.dropColumn('key_id');
    t.dropColumn('mac');
  });
  await knex.schema.alterTable('platform_audit_head', t => {
    t.dropColumn('last_key_id');
  });
  await knex.schema.alterTable('platform_audit_log', t => {
    t.dropColumn('key_id');
  });
  // The cluster-wide roles stay: other databases on the server may still use them.
};
