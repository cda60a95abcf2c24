/**
 * Where an ExportStore job's time goes in the queue benchmark's loop (a JobDispatcher with
 * BENCH_WORKERS slots; the run is a no-op followed by `completeAndClaim`, as in ExportRunner):
 * per round jobs/s, the `claimBatch` calls (only when no job was handed over) and the
 * completion calls (median / p90 ms), how many next jobs came with a completion, and
 * `SELECT 1` on the same pool afterwards for scale. BENCH_JOBS jobs, BENCH_ROUNDS rounds.
 * Run like queue.bench.ts (README-queue.md).
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createBenchDatabase } from '@internal/dev-database';
import knexFactory from 'knex';
import {
  DbExportJobRow,
  ExportStore,
} from '../../plugins/exports-backend/src/service/ExportStore';
import { JobDispatcher } from '../../plugins/exports-backend/src/service/queue/JobDispatcher';
import {
  completeNoOpJob,
  migrateExports,
  percentile,
  queuedJobRow,
} from './queueBenchParts';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ACCOUNTS = Array.from({ length: 50 }, () => randomUUID());
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const summary = (xs: number[]) =>
  `n=${xs.length} p50=${percentile(xs, 50)?.toFixed(2)} ms p90=${percentile(
    xs,
    90,
  )?.toFixed(2)} ms`;

async function timedRound(
  db: Awaited<ReturnType<typeof createBenchDatabase>>,
): Promise<string> {
  await db.knex('export_jobs').delete();
  const pool = knexFactory({
    client: 'pg',
    connection: db.connection,
    pool: { min: 0, max: 10 },
  });
  const store = new ExportStore(pool);
  const options = { workerId: 'bench', leaseMs: 30_000, perTenantLimit: 2 };
  const claimMs: number[] = [];
  const completeMs: number[] = [];
  let handedOver = 0;
  let done = 0;
  const dispatcher: JobDispatcher<DbExportJobRow> = new JobDispatcher({
    slots: WORKERS,
    pollMs: 500,
    claim: async count => {
      const t = performance.now();
      const jobs = await store.claimBatch({ ...options, count });
      claimMs.push(performance.now() - t);
      return jobs;
    },
    run: async job => {
      const t = performance.now();
      const next = await completeNoOpJob(
        store,
        job,
        dispatcher.accepting ? options : undefined,
      );
      completeMs.push(performance.now() - t);
      done++;
      if (next) handedOver++;
      return next;
    },
    onError: e => console.error(e),
  });
  dispatcher.start();
  await sleep(200);
  await db
    .knex('export_jobs')
    .insert(
      Array.from({ length: JOBS }, (_, i) =>
        queuedJobRow(ACCOUNTS[i % ACCOUNTS.length]),
      ),
    );
  const t0 = performance.now();
  dispatcher.wake();
  while (done < JOBS) await sleep(5);
  const seconds = (performance.now() - t0) / 1000;
  await dispatcher.stop();
  const roundTrips: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await pool.raw('SELECT 1');
    roundTrips.push(performance.now() - t);
  }
  await pool.destroy();
  return (
    `${(JOBS / seconds).toFixed(1)} jobs/s; claimBatch ${summary(claimMs)}; ` +
    `completeAndClaim ${summary(
      completeMs,
    )}, next job handed over ${handedOver}; ` +
    `SELECT 1 ${summary(roundTrips)}`
  );
}

async function main() {
  const db = await createBenchDatabase();
  try {
    await migrateExports(db.knex);
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`round ${round + 1}: ${await timedRound(db)}`);
    }
  } finally {
    await db.destroy();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
