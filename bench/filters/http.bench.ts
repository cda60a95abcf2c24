/**
 * End-to-end HTTP latency of the filters API in a running backend (auth, permission batch with
 * the portal policy, engine, JSON). Baseline in the same run: GET /v1/datasets (auth + one
 * permission check, no database). Env: FILTERS_BASE_URL (e.g. http://localhost:7007/api/filters),
 * USER_TOKEN (a user's Backstage token), ACCOUNT_ID, ACCOUNT_QUERY (a word of account names,
 * default "Acme"), BENCH_RUNS (default 200).
 *
 * Every request passes the OpenAPI validator (request and response) and the per-principal
 * rate limit; the limit (default 600 per minute) must be off for the run:
 * `filters.rateLimit.requests: 0` (e.g. APP_CONFIG_filters_rateLimit_requests=0).
 */
import { performance } from 'node:perf_hooks';

const base = process.env.FILTERS_BASE_URL!;
const token = process.env.USER_TOKEN!;
const accountId = process.env.ACCOUNT_ID!;
const accountQuery = process.env.ACCOUNT_QUERY ?? 'Acme';
const RUNS = Number(process.env.BENCH_RUNS ?? 200);

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[
    Math.min(xs.length - 1, Math.floor(q * xs.length))
  ];

async function timed(path: string, body?: unknown): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  await res.arrayBuffer();
  if (res.status === 429)
    throw new Error(
      `${path}: HTTP 429 — turn the rate limit off for benchmarks (filters.rateLimit.requests: 0)`,
    );
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return performance.now() - t0;
}

async function main() {
  const last7 = {
    field: 'occurred_at',
    operator: 'in_last',
    value: { amount: 7, unit: 'days' },
  };
  const cases: Record<string, () => Promise<number>> = {
    'GET /v1/datasets (baseline)': () => timed('/v1/datasets'),
    'GET /v1/accounts?q= (account picker, 20 per page)': () =>
      timed(`/v1/accounts?q=${encodeURIComponent(accountQuery)}&limit=20`),
    'POST /v1/query: 7 days, 2 types, 100 rows': () =>
      timed('/v1/query', {
        dataset: 'events',
        accountId,
        limit: 100,
        filter: {
          combinator: 'and',
          rules: [
            last7,
            {
              field: 'event_type',
              operator: 'in',
              value: ['query.run', 'dashboard.loaded'],
            },
          ],
        },
      }),
    'POST /v1/count: 7 days, browser = safari': () =>
      timed('/v1/count', {
        dataset: 'events',
        accountId,
        filter: {
          combinator: 'and',
          rules: [
            last7,
            { field: 'properties.browser', operator: 'eq', value: 'safari' },
          ],
        },
      }),
  };
  const times: Record<string, number[]> = Object.fromEntries(
    Object.keys(cases).map(k => [k, []]),
  );
  for (const run of Object.values(cases)) await run(); // warm-up
  for (let i = 0; i < RUNS; i++)
    for (const [name, run] of Object.entries(cases))
      times[name].push(await run());
  const baseline = quantile(times['GET /v1/datasets (baseline)'], 0.5);
  console.log(
    `Measured ${new Date().toISOString()} against ${base}, ${RUNS} sequential requests per case`,
  );
  console.log(
    '| Request | p50 ms | p95 ms | p50 / baseline |\n|---|---:|---:|---:|',
  );
  for (const [name, xs] of Object.entries(times)) {
    const p50 = quantile(xs, 0.5);
    console.log(
      `| ${name} | ${p50.toFixed(2)} | ${quantile(xs, 0.95).toFixed(2)} | ${(
        p50 / baseline
      ).toFixed(2)}× |`,
    );
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
