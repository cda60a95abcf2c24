/**
 * Export queue benchmark: our `ExportStore` claim/complete loop against pg-boss and
 * graphile-worker, in one run on one Postgres, interleaved (the order rotates every round).
 * Run: see bench/exports/README-queue.md.
 *
 *   1. Throughput: BENCH_JOBS tiny jobs (no-op handler) enqueued in one statement while
 *      BENCH_WORKERS idle workers wait; jobs/s until the database shows all of them completed
 *      (polled every 10 ms). pg-boss at batch 1 gets BENCH_SLOW_JOBS (its rate is its poll).
 *   2. Pick-up latency: BENCH_LATENCY_JOBS jobs enqueued one at a time through each system's
 *      normal enqueue call, 20–60 ms apart, into idle workers; enqueue call → handler start.
 *
 * Every system gets the same worker count, its own pool of 10 connections, a 500 ms idle poll,
 * and its wake-up path: ExportStore's dispatcher is woken by its own replica's enqueue and by
 * LISTEN/NOTIFY (`export-store`), by LISTEN/NOTIFY only (`export-store-other-replica`) or by
 * nothing but its poll (`export-store-poll-only`); pg-boss runs with `useListenNotify` and
 * `notify: true` queues, graphile-worker always LISTENs for new jobs.
 * Prints medians (throughput) and pooled p50/p99 (latency), and ratios against ExportStore.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { createBenchDatabase } from '@internal/dev-database';
import { Logger, makeWorkerUtils, run, WorkerUtils } from 'graphile-worker';
import knexFactory, { Knex } from 'knex';
import { PgBoss } from 'pg-boss';
import {
  DbExportJobRow,
  ExportStore,
} from '../../plugins/exports-backend/src/service/ExportStore';
import { JobDispatcher } from '../../plugins/exports-backend/src/service/queue/JobDispatcher';
import { QueueListener } from '../../plugins/exports-backend/src/service/queue/QueueListener';
import {
  completeNoOpJob,
  median,
  migrateExports,
  percentile,
  queuedJobRow,
} from './queueBenchParts';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
// pg-boss at batch 1 waits its poll interval after every fetch: 4 workers × 1 job / 0.5 s.
const SLOW_JOBS = Math.min(JOBS, Number(process.env.BENCH_SLOW_JOBS ?? 100));
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LATENCY_JOBS = Number(process.env.BENCH_LATENCY_JOBS ?? 50);
/** Comma-separated system names to run (default all; export-store is always kept: the ratios' base). */
const ONLY = process.env.BENCH_SYSTEMS?.split(',').map(x => x.trim());
const POLL_MS = 500;
const POOL = 10;
const ACCOUNTS = Array.from({ length: 50 }, () => randomUUID());
const PER_TENANT_LIMIT = 2;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** A queue under test: idle workers that call `onStart(id)` when a job's handler starts. */
interface Workers {
  /** Queues `count` jobs in one statement (throughput trial). */
  enqueueMany(count: number): Promise<void>;
  /** Queues one job through the system's normal call and returns its id. */
  enqueueOne(): Promise<string>;
  completed(): Promise<number>;
  stop(): Promise<void>;
}
interface System {
  name: string;
  /** Jobs in a throughput trial. */
  jobs: number;
  start(onStart: (id: string) => void): Promise<Workers>;
}

const quietGraphile = new Logger(() => () => {});
const quietLogger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => quietLogger,
} as unknown as LoggerService;

/**
 * ExportStore through the runner's own dispatch: a JobDispatcher with WORKERS slots claims as
 * many jobs as there are idle slots in one `claimBatch`, the run is a no-op followed by
 * `completeAndClaim` (what ExportRunner does at the end of a job: group commit of the jobs
 * finishing together, each claiming its slot's next job in the commit's round trip). `local`: the replica that queued the
 * job wakes its dispatcher (POST /v1/exports does); `listen`: a QueueListener on its own
 * connection wakes it on NOTIFY export_jobs_queued (every replica has one in the plugin).
 */
function exportStoreSystem(
  knex: Knex,
  connection: Knex.PgConnectionConfig,
  options: { name: string; local: boolean; listen: boolean; slots?: number },
): System {
  return {
    name: options.name,
    jobs: JOBS,
    async start(onStart) {
      await knex('export_jobs').delete();
      const pool = knexFactory({
        client: 'pg',
        connection,
        pool: { min: 0, max: POOL },
      });
      const store = new ExportStore(pool);
      const enqueuer = new ExportStore(knex);
      const claimOptions = {
        workerId: 'bench',
        leaseMs: 30_000,
        perTenantLimit: PER_TENANT_LIMIT,
      };
      const dispatcher: JobDispatcher<DbExportJobRow> = new JobDispatcher({
        slots: options.slots ?? WORKERS,
        pollMs: POLL_MS,
        claim: count => store.claimBatch({ ...claimOptions, count }),
        // As ExportRunner: the completion claims the slot's next job in its round trip.
        run: async job => {
          onStart(job.id);
          return completeNoOpJob(
            store,
            job,
            dispatcher.accepting ? claimOptions : undefined,
          );
        },
        onError: e => console.error(`export-store: ${e}`),
      });
      const listener = new QueueListener({
        db: pool,
        logger: quietLogger,
        onNotify: () => dispatcher.wake(),
      });
      if (options.listen) await listener.start();
      dispatcher.start();
      const row = (i: number) => queuedJobRow(ACCOUNTS[i % ACCOUNTS.length]);
      let n = 0;
      return {
        async enqueueMany(count) {
          await knex('export_jobs').insert(
            Array.from({ length: count }, (_, i) => row(i)),
          );
          if (options.local) dispatcher.wake();
        },
        async enqueueOne() {
          const { row: created } = await enqueuer.create({
            dataset: 'events',
            accountId: ACCOUNTS[n++ % ACCOUNTS.length],
            region: 'us',
            plan: 'mid_market',
            format: 'csv',
            delivery: { type: 'download' },
            readableDataClasses: ['public'],
            requestedBy: 'user:default/bench',
          });
          if (options.local) dispatcher.wake();
          return created.id;
        },
        async completed() {
          const [{ c }] = await knex('export_jobs')
            .where({ status: 'succeeded' })
            .count({ c: '*' });
          return Number(c);
        },
        async stop() {
          await listener.stop();
          await dispatcher.stop();
          await pool.destroy();
        },
      };
    },
  };
}

function pgBossSystem(
  knex: Knex,
  connectionString: string,
  batchSize: number,
): System {
  return {
    name: batchSize === 1 ? 'pg-boss' : `pg-boss-batch${batchSize}`,
    jobs: batchSize === 1 ? SLOW_JOBS : JOBS,
    async start(onStart) {
      const boss = new PgBoss({
        connectionString,
        schema: 'pgboss',
        max: POOL,
        supervise: false,
        schedule: false,
        useListenNotify: true,
      });
      boss.on('error', e => console.error(`pg-boss: ${e}`));
      await boss.start();
      const queue = `bench-${randomUUID()}`;
      await boss.createQueue(queue, { notify: true });
      await boss.work(
        queue,
        {
          localConcurrency: WORKERS,
          groupConcurrency: PER_TENANT_LIMIT,
          batchSize,
          burstWhenBatchFull: batchSize > 1,
          pollingIntervalSeconds: POLL_MS / 1000,
          notifyPollingIntervalSeconds: POLL_MS / 1000,
        },
        async jobs => {
          jobs.forEach(j => onStart(j.id));
        },
      );
      let n = 0;
      return {
        async enqueueMany(count) {
          await boss.insert(
            queue,
            Array.from({ length: count }, (_, i) => ({
              data: {},
              group: { id: ACCOUNTS[i % ACCOUNTS.length] },
            })),
          );
        },
        async enqueueOne() {
          return (await boss.send(
            queue,
            {},
            { group: { id: ACCOUNTS[n++ % ACCOUNTS.length] } },
          ))!;
        },
        async completed() {
          const { rows } = await knex.raw(
            `SELECT count(*)::int AS c FROM pgboss.job WHERE name = ? AND state = 'completed'`,
            [queue],
          );
          return rows[0].c;
        },
        async stop() {
          await boss.stop({ graceful: true, timeout: 5000 });
        },
      };
    },
  };
}

function graphileSystem(
  knex: Knex,
  connectionString: string,
  utils: WorkerUtils,
  concurrency = WORKERS,
): System {
  return {
    name:
      concurrency === WORKERS
        ? 'graphile-worker'
        : `graphile-worker-${concurrency}-concurrency`,
    jobs: JOBS,
    async start(onStart) {
      // A task name per trial, so counting the trial's jobs needs no other filter.
      const task = `bench_${randomUUID().replace(/-/g, '')}`;
      let finished = 0;
      const runner = await run({
        connectionString,
        maxPoolSize: POOL,
        concurrency,
        pollInterval: POLL_MS,
        noHandleSignals: true,
        logger: quietGraphile,
        taskList: {
          [task]: async (_payload, helpers) => {
            onStart(helpers.job.id);
            finished += 1;
          },
        },
      });
      // No per-tenant limit: graphile-worker cannot express N=2 (queueLibraries.test.ts).
      return {
        async enqueueMany(count) {
          await utils.addJobs(
            Array.from({ length: count }, () => ({
              identifier: task,
              payload: {},
            })),
          );
        },
        async enqueueOne() {
          return (await utils.addJob(task, {})).id;
        },
        async completed() {
          // Completed jobs are deleted: the handler ran and the row is gone.
          const { rows } = await knex.raw(
            `SELECT count(*)::int AS c FROM graphile_worker._private_jobs j
             JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = ?`,
            [task],
          );
          return rows[0].c === 0 ? finished : 0;
        },
        async stop() {
          await runner.stop();
        },
      };
    },
  };
}

async function waitForCompleted(workers: Workers, count: number) {
  const deadline = Date.now() + 180_000;
  while ((await workers.completed()) < count) {
    if (Date.now() > deadline) throw new Error('trial did not finish in 180 s');
    await sleep(10);
  }
}

async function throughputTrial(system: System): Promise<number> {
  const workers = await system.start(() => {});
  try {
    await sleep(200); // workers idle and listening
    const t0 = performance.now();
    await workers.enqueueMany(system.jobs);
    await waitForCompleted(workers, system.jobs);
    return system.jobs / ((performance.now() - t0) / 1000);
  } finally {
    await workers.stop();
  }
}

async function latencyTrial(system: System): Promise<number[]> {
  const started = new Map<string, number>();
  const workers = await system.start(id => started.set(id, performance.now()));
  try {
    await sleep(200);
    const enqueued = new Map<string, number>();
    for (let i = 0; i < LATENCY_JOBS; i++) {
      const t = performance.now();
      enqueued.set(await workers.enqueueOne(), t);
      await sleep(20 + Math.random() * 40); // random phase against the pollers
    }
    await waitForCompleted(workers, LATENCY_JOBS);
    return [...enqueued].map(([id, t]) => started.get(id)! - t);
  } finally {
    await workers.stop();
  }
}

async function main() {
  const db = await createBenchDatabase();
  try {
    await migrateExports(db.knex);
    const c = db.connection;
    const connectionString = `postgres://${encodeURIComponent(
      c.user,
    )}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}`;
    const utils = await makeWorkerUtils({
      connectionString,
      logger: quietGraphile,
    });
    await utils.migrate();
    const allSystems = [
      exportStoreSystem(db.knex, c, {
        name: 'export-store',
        local: true,
        listen: true,
      }),
      exportStoreSystem(db.knex, c, {
        name: 'export-store-other-replica',
        local: false,
        listen: true,
      }),
      exportStoreSystem(db.knex, c, {
        name: 'export-store-poll-only',
        local: false,
        listen: false,
      }),
      // As many jobs in flight as pg-boss batch 10 holds (WORKERS fetches of 10 jobs each).
      exportStoreSystem(db.knex, c, {
        name: `export-store-${WORKERS * 10}-slots`,
        local: true,
        listen: true,
        slots: WORKERS * 10,
      }),
      pgBossSystem(db.knex, connectionString, 1),
      pgBossSystem(db.knex, connectionString, 10),
      graphileSystem(db.knex, connectionString, utils),
      graphileSystem(db.knex, connectionString, utils, WORKERS * 10),
    ];
    const systems = allSystems.filter(
      s => !ONLY || s.name === 'export-store' || ONLY.includes(s.name),
    );
    const throughput = new Map<string, number[]>(
      systems.map(s => [s.name, []]),
    );
    const latency = new Map<string, number[]>(systems.map(s => [s.name, []]));
    const startedAt = new Date();
    for (let round = 0; round < ROUNDS; round++) {
      const order = systems.map(
        (_, i) => systems[(i + round) % systems.length],
      );
      for (const system of order) {
        throughput.get(system.name)!.push(await throughputTrial(system));
        latency.get(system.name)!.push(...(await latencyTrial(system)));
        console.error(
          `round ${round + 1}/${ROUNDS} ${system.name}: ${throughput
            .get(system.name)!
            .at(-1)!
            .toFixed(1)} jobs/s`,
        );
      }
    }
    await utils.release();

    const { rows } = await db.knex.raw('SHOW server_version');
    const base = 'export-store';
    const results = systems.map(s => ({
      system: s.name,
      jobsPerTrial: s.jobs,
      jobsPerSecond: median(throughput.get(s.name)!),
      jobsPerSecondRuns: throughput.get(s.name)!.map(x => Number(x.toFixed(1))),
      pickupP50Ms: percentile(latency.get(s.name)!, 50),
      pickupP99Ms: percentile(latency.get(s.name)!, 99),
    }));
    const ours = results.find(r => r.system === base)!;
    const report = {
      benchmark: 'export queue: ExportStore vs pg-boss vs graphile-worker',
      startedAt: startedAt.toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgres: rows[0].server_version,
      },
      settings: {
        jobs: JOBS,
        workers: WORKERS,
        rounds: ROUNDS,
        systems: systems.map(s => s.name),
        latencyJobsPerRound: LATENCY_JOBS,
        pollMs: POLL_MS,
        poolPerSystem: POOL,
        accounts: ACCOUNTS.length,
        perTenantLimit: PER_TENANT_LIMIT,
      },
      results: results.map(r => ({
        ...r,
        pickupP50Ms: Number(r.pickupP50Ms.toFixed(2)),
        pickupP99Ms: Number(r.pickupP99Ms.toFixed(2)),
        throughputRatioOursToThis: Number(
          (ours.jobsPerSecond / r.jobsPerSecond).toFixed(2),
        ),
      })),
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `\n| system | jobs/s (median of ${ROUNDS}) | ExportStore ÷ this | pick-up p50 ms | pick-up p99 ms |`,
    );
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of report.results)
      console.log(
        `| ${r.system} | ${r.jobsPerSecond.toFixed(1)} | ${
          r.throughputRatioOursToThis
        } | ${r.pickupP50Ms} | ${r.pickupP99Ms} |`,
      );
  } finally {
    await db.destroy();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
