/**
 * Capacity clock benchmark. Run: see bench/capacity/README.md
 *
 *   1. GET /v1/limits's work (CapacityService.views: fetch the window, eight least-squares fits,
 *      scenarios, statuses) on 14 days of 5-minute samples for the eight limits (32,256 rows).
 *      Baseline in the same run: the window fetched as full sample rows (`samplesSince`, what
 *      the first version of views() did), against the lean series query views() now uses
 *      (`seriesSince`: epoch ms and value, no source text). Interleaved; medians and ratios.
 *   2. One PostgresCollector run (size, connections, p95 from pg_stat_statements deltas, lag,
 *      cache ratio, pg_stat_io) against the baseline `SELECT 1` round trip on the same pool.
 *   3. Response size of the clock with the sparkline samples thinned to 200 per limit vs all.
 *
 * Prints a JSON report and a Markdown table.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBenchDatabase } from '@internal/dev-database';
import { PostgresCollector } from '../../plugins/capacity-backend/src/collectors/postgresCollector';
import {
  CapacityService,
  DEFAULT_SETTINGS,
} from '../../plugins/capacity-backend/src/service/CapacityService';
import { CapacityStore } from '../../plugins/capacity-backend/src/service/CapacityStore';
import { loadDefinitions } from '../../plugins/capacity-backend/src/service/definitions';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const DAY_MS = 86_400_000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const silent = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silent;
  },
} as any;

async function main() {
  const db = await createBenchDatabase();
  try {
    await db.knex.migrate.latest({
      directory: path.resolve(
        __dirname,
        '../../plugins/capacity-backend/migrations',
      ),
    });
    const repo = path.resolve(__dirname, '../..');
    const definitions = loadDefinitions({
      limits: path.join(repo, 'capacity/limits.yaml'),
      costs: path.join(repo, 'capacity/costs.yaml'),
    });
    const store = new CapacityStore(db.knex);
    const now = new Date();
    const perLimit = (14 * DAY_MS) / (5 * 60_000);
    const rows = definitions.limits.flatMap((limit, li) =>
      Array.from({ length: perLimit }, (_, i) => ({
        limit: limit.id,
        value:
          limit.estimate.value * (0.8 + (0.2 * i) / perLimit) +
          ((i * 7919 + li) % 13),
        at: new Date(now.getTime() - (perLimit - i) * 5 * 60_000),
        source: 'bench',
        provenance: 'live' as const,
        recordedBy: 'bench',
      })),
    );
    for (let i = 0; i < rows.length; i += 2000)
      await store.addSamples(rows.slice(i, i + 2000));
    await db.knex.raw('ANALYZE capacity_samples');
    const service = new CapacityService({
      store,
      definitions,
      settings: DEFAULT_SETTINGS,
      logger: silent,
    });
    const ids = definitions.limits.map(l => l.id);
    const from = new Date(now.getTime() - 14 * DAY_MS);

    const views: number[] = [];
    const fullFetches: number[] = [];
    const seriesFetches: number[] = [];
    for (let i = 0; i < RUNS + 5; i++) {
      let t = performance.now();
      await store.samplesSince(ids, from);
      const fullMs = performance.now() - t;
      t = performance.now();
      await store.seriesSince(ids, from);
      const seriesMs = performance.now() - t;
      t = performance.now();
      await service.views(now);
      const viewMs = performance.now() - t;
      if (i >= 5) {
        fullFetches.push(fullMs);
        seriesFetches.push(seriesMs);
        views.push(viewMs);
      }
    }

    await db.knex.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const collector = new PostgresCollector(db.knex, { createExtension: true });
    await collector.collect(new Date());
    const collects: number[] = [];
    const pings: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await db.knex.raw('SELECT 1');
      pings.push(performance.now() - t);
      t = performance.now();
      await collector.collect(new Date(Date.now() + (i + 1) * 1000));
      collects.push(performance.now() - t);
    }

    const clock = await service.views(now);
    const thinnedBytes = Buffer.byteLength(JSON.stringify(clock));
    const all = await store.samplesSince(ids, from);
    const fullBytes = Buffer.byteLength(
      JSON.stringify(
        clock.map(v => ({ ...v, recent: all.filter(s => s.limit === v.id) })),
      ),
    );

    const report = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(
        os.totalmem() / 2 ** 30,
      )} GiB, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`,
      runs: RUNS,
      samples: rows.length,
      clockMedianMs: median(views),
      fullRowsFetchMedianMs: median(fullFetches),
      seriesFetchMedianMs: median(seriesFetches),
      fullRowsOverSeries: median(fullFetches) / median(seriesFetches),
      clockOverFullRowsFetch: median(views) / median(fullFetches),
      collectMedianMs: median(collects),
      selectOneMedianMs: median(pings),
      collectOverSelectOne: median(collects) / median(pings),
      responseBytesThinned: thinnedBytes,
      responseBytesAllSamples: fullBytes,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n\n`);
    process.stdout.write(
      [
        '| measured | median | baseline (same run) | median | ratio |',
        '| --- | --- | --- | --- | --- |',
        `| window fetch, lean series (seriesSince) | ${report.seriesFetchMedianMs.toFixed(
          1,
        )} ms | full sample rows (samplesSince) | ${report.fullRowsFetchMedianMs.toFixed(
          1,
        )} ms | ${report.fullRowsOverSeries.toFixed(2)}× faster |`,
        `| whole clock (views) on ${
          rows.length
        } samples | ${report.clockMedianMs.toFixed(
          1,
        )} ms | full sample rows fetch alone | ${report.fullRowsFetchMedianMs.toFixed(
          1,
        )} ms | ${report.clockOverFullRowsFetch.toFixed(2)}× |`,
        `| one PostgresCollector run | ${report.collectMedianMs.toFixed(
          1,
        )} ms | SELECT 1 | ${report.selectOneMedianMs.toFixed(
          2,
        )} ms | ${report.collectOverSelectOne.toFixed(1)}× |`,
        `| clock JSON, sparkline thinned to 200 | ${thinnedBytes} B | all window samples | ${fullBytes} B | ${(
          fullBytes / thinnedBytes
        ).toFixed(1)}× smaller |`,
      ].join('\n') + '\n',
    );
  } finally {
    await db.destroy();
  }
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
