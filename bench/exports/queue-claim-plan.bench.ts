/**
 * The claim query `ExportStore.claim` ran until 2026-12-02 (one statement under a global
 * advisory lock; now `export_jobs_claim` picks accounts with the same scan) on a queue of
 * BENCH_QUEUED jobs (50 accounts): its execution time from EXPLAIN ANALYZE (median of 30)
 * without and with the partial index for its ORDER BY (migration 20261202003000).
 * Run: see bench/exports/README-queue.md.
 */
import { randomUUID } from 'node:crypto';
import { createBenchDatabase } from '@internal/dev-database';
import { Knex } from 'knex';
import { migrateExports, queuedJobRow } from './queueBenchParts';

const QUEUED = Number(process.env.BENCH_QUEUED ?? 1000);
const RUNS = 30;

// The SELECT inside the former ExportStore.claim's UPDATE, with perTenantLimit 2.
const CLAIM = `EXPLAIN (ANALYZE, FORMAT JSON)
  SELECT j.id FROM export_jobs j
  WHERE j.status = 'queued' AND j.run_after <= now()
    AND (SELECT count(*) FROM export_jobs r
         WHERE r.account_id = j.account_id AND r.status = 'running') < 2
  ORDER BY j.priority DESC, j.created_at, j.id
  LIMIT 1
  FOR UPDATE SKIP LOCKED`;

async function medianExecutionMs(knex: Knex): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await knex.raw(CLAIM);
    times.push(result.rows[0]['QUERY PLAN'][0]['Execution Time']);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

async function main() {
  const db = await createBenchDatabase();
  try {
    await migrateExports(db.knex);
    const accounts = Array.from({ length: 50 }, () => randomUUID());
    await db
      .knex('export_jobs')
      .insert(
        Array.from({ length: QUEUED }, (_, i) =>
          queuedJobRow(accounts[i % accounts.length]),
        ),
      );
    // The migrations create the claim index; the baseline runs without it.
    await db.knex.raw('DROP INDEX IF EXISTS export_jobs_claim_order');
    await db.knex.raw('ANALYZE export_jobs');
    const without = await medianExecutionMs(db.knex);
    await db.knex.raw(
      `CREATE INDEX export_jobs_claim_order ON export_jobs (priority DESC, created_at, id) WHERE status = 'queued'`,
    );
    await db.knex.raw('ANALYZE export_jobs');
    const withIndex = await medianExecutionMs(db.knex);
    console.log(
      JSON.stringify(
        {
          benchmark: 'ExportStore claim query, EXPLAIN ANALYZE execution time',
          at: new Date().toISOString(),
          queued: QUEUED,
          runs: RUNS,
          medianMsWithoutIndex: Number(without.toFixed(3)),
          medianMsWithPartialIndex: Number(withIndex.toFixed(3)),
          ratio: Number((without / withIndex).toFixed(1)),
        },
        null,
        2,
      ),
    );
  } finally {
    await db.destroy();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
