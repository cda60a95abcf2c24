/**
 * Filter engine benchmark. Run: see bench/filters/README.md
 *
 *   1. compile time per filter (FilterEngine.build, µs, median of batches)
 *   2. gate overhead: the plain compiled query (baseline, same connection, no gate) vs the
 *      engine without and with the shape cache — interleaved in the same run; medians + ratios
 *   3. p50/p95 of standard filters through the engine (shape cache on) on the N-row dataset
 *
 * Prints a JSON report (machine, time, rows) and a Markdown table to stdout.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ConfigReader } from '@backstage/config';
import { FilterGroup } from '@internal/plugin-filters-common';
import {
  contextForVerifiedIdentity,
  FilterEngine,
  readDatasets,
} from '@internal/plugin-filters-node';
import { demoEventsDatasetConfig } from '@internal/plugin-filters-node/testUtils';
import { connect } from '@internal/dev-database';
import { seedBenchDatabase } from './seed';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs: number[]) => quantile(xs, 0.5);

type Kind = 'rows' | 'count';
interface StandardFilter {
  name: string;
  kind: Kind;
  filter: FilterGroup;
}

function standardFilters(userId: string): StandardFilter[] {
  const last = (amount: number, unit: 'hours' | 'days') => ({
    field: 'occurred_at',
    operator: 'in_last' as const,
    value: { amount, unit },
  });
  return [
    {
      name: 'preview: last 7 days, 2 event types',
      kind: 'rows',
      filter: {
        combinator: 'and',
        rules: [
          last(7, 'days'),
          {
            field: 'event_type',
            operator: 'in',
            value: ['query.run', 'dashboard.loaded'],
          },
        ],
      },
    },
    {
      name: 'count: last 30 days, exports',
      kind: 'count',
      filter: {
        combinator: 'and',
        rules: [
          last(30, 'days'),
          { field: 'event_type', operator: 'eq', value: 'export.requested' },
        ],
      },
    },
    {
      name: 'preview: last 24 h, US/GB, amount > 100',
      kind: 'rows',
      filter: {
        combinator: 'and',
        rules: [
          last(24, 'hours'),
          { field: 'country', operator: 'in', value: ['US', 'GB'] },
          { field: 'amount', operator: 'gt', value: 100 },
        ],
      },
    },
    {
      name: 'count: last 7 days, browser = safari (jsonb)',
      kind: 'count',
      filter: {
        combinator: 'and',
        rules: [
          last(7, 'days'),
          { field: 'properties.browser', operator: 'eq', value: 'safari' },
        ],
      },
    },
    {
      name: 'preview: one user',
      kind: 'rows',
      filter: {
        combinator: 'and',
        rules: [{ field: 'user_id', operator: 'eq', value: userId }],
      },
    },
    {
      name: 'count: whole tenant, amount > 0 (no time bound)',
      kind: 'count',
      filter: {
        combinator: 'and',
        rules: [{ field: 'amount', operator: 'gt', value: 0 }],
      },
    },
    {
      name: 'count: 14 days, nested or/not',
      kind: 'count',
      filter: {
        combinator: 'and',
        rules: [
          last(14, 'days'),
          {
            combinator: 'or',
            rules: [
              {
                combinator: 'and',
                rules: [
                  { field: 'plan', operator: 'eq', value: 'enterprise' },
                  { field: 'amount', operator: 'between', value: [10, 1000] },
                ],
              },
              { field: 'event_type', operator: 'eq', value: 'alert.triggered' },
            ],
          },
          {
            combinator: 'or',
            not: true,
            rules: [{ field: 'country', operator: 'eq', value: 'JP' }],
          },
        ],
      },
    },
  ];
}

async function main() {
  const url = process.env.PORTAL_TEST_POSTGRES_URL;
  if (!url)
    throw new Error(
      'Set PORTAL_TEST_POSTGRES_URL (npm run postgres -- --test prints one)',
    );
  const seeded = await seedBenchDatabase(url, ROWS);
  const connection = seeded.connection;
  const datasets = readDatasets(
    new ConfigReader(
      JSON.parse(
        JSON.stringify({
          platform: {
            productDatabase: { connection },
            datasets: { events: demoEventsDatasetConfig() },
          },
        }),
      ),
    ),
  );
  const dataset = datasets[0];
  const knex = connect(connection, { min: 1, max: 2 });
  const accounts = (
    await knex('events')
      .select('account_id')
      .count('* as n')
      .groupBy('account_id')
      .orderBy('n', 'desc')
  ).map(r => ({ id: String(r.account_id), n: Number(r.n) }));
  const tenants = [
    { label: 'largest account', ...accounts[0] },
    { label: 'median account', ...accounts[Math.floor(accounts.length / 2)] },
  ];
  const cached = new FilterEngine({ datasets });
  const uncached = new FilterEngine({ datasets, shapeCache: false });
  const report: any = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      node: process.version,
    },
    postgres: (await knex.raw('SELECT version()')).rows[0].version,
    rows: ROWS,
    seededSeconds: seeded.seconds,
    runs: RUNS,
    tenants: tenants.map(t => ({ label: t.label, events: t.n })),
    compile: [] as any[],
    gate: [] as any[],
    latency: [] as any[],
  };

  // 1. Compile time per filter.
  for (const tenant of tenants.slice(0, 1)) {
    const userId = String(
      (
        await knex('events')
          .where('account_id', tenant.id)
          .whereNotNull('user_id')
          .first('user_id')
      ).user_id,
    );
    for (const sf of standardFilters(userId)) {
      const context = contextForVerifiedIdentity({
        accountId: tenant.id,
        verifiedBy: 'bench',
      });
      const batches: number[] = [];
      for (let b = 0; b < 30; b++) {
        const t0 = performance.now();
        for (let i = 0; i < 500; i++)
          FilterEngine.build(dataset, sf.filter, context, {
            kind: sf.kind,
            limit: 100,
          });
        batches.push(((performance.now() - t0) * 1000) / 500);
      }
      report.compile.push({ filter: sf.name, medianMicros: median(batches) });
    }
  }

  // 2 + 3. Baseline vs engine (no cache / cache), interleaved per iteration.
  const client = await (knex.client as any).acquireConnection();
  try {
    for (const tenant of tenants) {
      const userId = String(
        (
          await knex('events')
            .where('account_id', tenant.id)
            .whereNotNull('user_id')
            .first('user_id')
        ).user_id,
      );
      for (const sf of standardFilters(userId)) {
        const context = contextForVerifiedIdentity({
          accountId: tenant.id,
          verifiedBy: 'bench',
        });
        const request = {
          dataset: 'events',
          filter: sf.filter,
          limit: sf.kind === 'rows' ? 100 : undefined,
        };
        const run = (engine: FilterEngine) =>
          sf.kind === 'rows'
            ? engine.query(request, context)
            : engine.count(request, context);
        const built = FilterEngine.build(dataset, sf.filter, context, {
          kind: sf.kind,
          limit: 100,
        });
        const times = {
          plain: [] as number[],
          noCache: [] as number[],
          cache: [] as number[],
        };
        let rejected: string | undefined;
        let explainCost = 0;
        try {
          // warm-up (also fills the shape cache and the OS cache)
          await client.query(built.sql, built.bindings);
          explainCost = (await run(uncached)).stats.estimatedCost;
          await run(cached);
        } catch (e) {
          rejected = (e as Error).message;
        }
        if (rejected) {
          report.gate.push({ tenant: tenant.label, filter: sf.name, rejected });
          continue;
        }
        for (let i = 0; i < RUNS; i++) {
          let t0 = performance.now();
          await client.query(built.sql, built.bindings);
          times.plain.push(performance.now() - t0);
          t0 = performance.now();
          await run(uncached);
          times.noCache.push(performance.now() - t0);
          t0 = performance.now();
          await run(cached);
          times.cache.push(performance.now() - t0);
        }
        const m = {
          plain: median(times.plain),
          noCache: median(times.noCache),
          cache: median(times.cache),
        };
        report.gate.push({
          tenant: tenant.label,
          filter: sf.name,
          estimatedCost: explainCost,
          medianMs: m,
          ratioNoCache: m.noCache / m.plain,
          ratioCache: m.cache / m.plain,
          overheadMsNoCache: m.noCache - m.plain,
          overheadMsCache: m.cache - m.plain,
        });
        report.latency.push({
          tenant: tenant.label,
          filter: sf.name,
          p50: quantile(times.cache, 0.5),
          p95: quantile(times.cache, 0.95),
          max: Math.max(...times.cache),
          planeP95: quantile(times.plain, 0.95),
        });
      }
    }
  } finally {
    await (knex.client as any).releaseConnection(client);
  }
  report.shapeCache = {
    hits: cached.shapes.hits,
    misses: cached.shapes.misses,
  };
  await cached.close();
  await uncached.close();
  await knex.destroy();

  const f = (x: number, d = 2) => x.toFixed(d);
  const lines: string[] = [];
  lines.push(
    `Measured ${report.measuredAt} on ${report.machine.cpus} CPUs (${
      report.machine.model
    }), Node ${report.machine.node}, ${
      report.postgres.split(' on ')[0]
    }; ${ROWS.toLocaleString()} events; ${RUNS} runs per cell.`,
  );
  lines.push('', '| Compile (FilterEngine.build) | median µs |', '|---|---:|');
  for (const c of report.compile)
    lines.push(`| ${c.filter} | ${f(c.medianMicros, 1)} |`);
  lines.push(
    '',
    '| Tenant | Filter | EXPLAIN cost | plain ms | engine, no cache ms (ratio) | engine, shape cache ms (ratio) |',
    '|---|---|---:|---:|---:|---:|',
  );
  for (const g of report.gate) {
    if (g.rejected)
      lines.push(
        `| ${g.tenant} | ${g.filter} | rejected: ${g.rejected} | | | |`,
      );
    else
      lines.push(
        `| ${g.tenant} | ${g.filter} | ${Math.round(g.estimatedCost)} | ${f(
          g.medianMs.plain,
        )} | ${f(g.medianMs.noCache)} (${f(g.ratioNoCache)}×) | ${f(
          g.medianMs.cache,
        )} (${f(g.ratioCache)}×) |`,
      );
  }
  lines.push(
    '',
    '| Tenant | Filter | p50 ms | p95 ms | max ms |',
    '|---|---|---:|---:|---:|',
  );
  for (const l of report.latency)
    lines.push(
      `| ${l.tenant} | ${l.filter} | ${f(l.p50)} | ${f(l.p95)} | ${f(l.max)} |`,
    );
  console.log(JSON.stringify(report, null, 2));
  console.log(lines.join('\n'));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
