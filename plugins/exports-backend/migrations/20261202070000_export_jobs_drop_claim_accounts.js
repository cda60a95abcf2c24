// @ts-check

// `export_jobs_claim_accounts` picked the accounts of a claim until 20261202060000 replaced
// the claim with a walk down the queue's index; nothing calls it since. Down re-creates it as
// 20261202050000 defined it (that migration's own down, and 20261202032000's, expect it) and
// keeps the walk as the claim.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.raw(
    'DROP FUNCTION IF EXISTS export_jobs_claim_accounts(integer, integer)',
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  // 20261202050000's up defines it, together with that migration's claim: the claim in use
  // (20261202060000's walk) is saved first and put back after.
  const claim = await knex.raw(
    `SELECT pg_get_functiondef('export_jobs_claim(text, double precision, integer, integer, integer, boolean)'::regprocedure) AS definition`,
  );
  await require('./20261202050000_export_jobs_claim_running_counts').up(knex);
  // knex.raw reads `?` as a binding: escaped, the definition is sent as it is.
  await knex.raw(claim.rows[0].definition.replace(/\?/g, '\\?'));
};
