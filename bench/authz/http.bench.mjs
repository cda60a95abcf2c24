#!/usr/bin/env node
/*
 * The permission service over HTTP in a running backend. Baseline in the same run and at the
 * same even rate: GET /v1/health of the same plugin (open route: no auth, no permission, no
 * policy). Then POST /v1/check (service token, product user loaded from the product database,
 * permission check, policy, its decision-log rows committed before the answer) and /v1/check/batch with
 * 100 checks per request.
 * Env: AUTHZ_BASE_URL (e.g. http://127.0.0.1:7007/api/authz), SERVICE_TOKEN (a static token
 * whose subject is in authz.productUserCallers and allowed the authz plugin), PRODUCT_USER_ID,
 * ACCOUNT_ID (that user's account), RATE (requests/s, default 100), REQUESTS (per series,
 * default 1,000), BATCHES (default 50; use thousands for the concurrent series), CONCURRENCY
 * (clients of the concurrent batch series, default 8), WARMUP_BATCHES (sent unmeasured before
 * SERIES=concurrent, default 500), DENY_EVERY (every n-th check is a denial, default 3; 0 for none), SERIES (`all`; `check`, `batch`
 * (sequential) or `concurrent` (CONCURRENCY clients) for only that series, e.g. to profile it).
 * Run: scripts/with-node.sh node bench/authz/http.bench.mjs
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const base = process.env.AUTHZ_BASE_URL;
const token = process.env.SERVICE_TOKEN;
const userId = process.env.PRODUCT_USER_ID;
const accountId = process.env.ACCOUNT_ID;
const RATE = Number(process.env.RATE ?? 100);
const REQUESTS = Number(process.env.REQUESTS ?? 1000);
const BATCHES = Number(process.env.BATCHES ?? 50);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
// batches sent before the measured concurrent-only series (SERIES=concurrent)
const WARMUP_BATCHES = Number(process.env.WARMUP_BATCHES ?? 500);
// every DENY_EVERY-th check asks for an action viewers lack (a denial); 0: none
const DENY_EVERY = Number(process.env.DENY_EVERY ?? 3);
if (!base || !token || !userId || !accountId) {
  throw new Error(
    'Set AUTHZ_BASE_URL, SERVICE_TOKEN, PRODUCT_USER_ID and ACCOUNT_ID',
  );
}

const quantile = (xs, q) =>
  [...xs].sort((a, b) => a - b)[
    Math.min(xs.length - 1, Math.floor(q * xs.length))
  ];

async function call(path, body, auth = true) {
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: {
      ...(auth ? { Authorization: `Bearer ${token}` } : {}),
      'Content-Type': 'application/json',
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok)
    throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return { ms: performance.now() - t0, json };
}

/** Starts one request every 1/RATE s (open loop, not waiting for answers); latencies in ms. */
async function paced(make) {
  const interval = 1000 / RATE;
  const started = performance.now();
  const pending = [];
  for (let i = 0; i < REQUESTS; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(make(i));
  }
  return Promise.all(pending);
}

const check = i => ({
  subject: { type: 'product-user', id: userId },
  action:
    DENY_EVERY > 0 && i % DENY_EVERY === 0
      ? 'dashboard.delete'
      : 'dashboard.read',
  // 200 distinct resources: the first round misses the decision cache, later rounds hit it
  resource: {
    type: 'dashboard',
    id: `d-${i % 200}`,
    attributes: { account: accountId },
  },
});

async function main() {
  if (process.env.SERIES === 'batch') return batchesOnly();
  if (process.env.SERIES === 'check') return checksOnly();
  if (process.env.SERIES === 'concurrent') return concurrentOnly();
  for (let i = 0; i < 200; i++) {
    await call('/v1/health', undefined, false);
    await call('/v1/check', check(i));
  }
  const health = (await paced(() => call('/v1/health', undefined, false))).map(
    r => r.ms,
  );
  const checks = await paced(i => call('/v1/check', check(i + 1)));
  const checkMs = checks.map(r => r.ms);
  const hits = checks.filter(r => r.json.cacheHit).length;

  const batchRates = [];
  for (let b = 0; b < BATCHES; b++) {
    const body = {
      checks: Array.from({ length: 100 }, (_, i) => check(b * 100 + i)),
    };
    const { ms } = await call('/v1/check/batch', body);
    batchRates.push(100 / (ms / 1000));
  }

  const concurrentRate = await concurrentBatches();

  const fmt = x => x.toFixed(2);
  const p = xs => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) });
  const h = p(health);
  const c = p(checkMs);
  console.log(
    `machine: ${os.cpus().length} vCPU (${os.cpus()[0]?.model ?? '?'}), Node ${
      process.version
    }; ${new Date().toISOString()}; ${REQUESTS} requests per series at ${RATE}/s`,
  );
  console.log(
    `GET /v1/health (open, baseline): p50 ${fmt(h.p50)} ms, p99 ${fmt(
      h.p99,
    )} ms`,
  );
  console.log(
    `POST /v1/check: p50 ${fmt(c.p50)} ms, p99 ${fmt(
      c.p99,
    )} ms (cache hits ${hits}/${REQUESTS}) | check/health p50 ${(
      c.p50 / h.p50
    ).toFixed(2)}x, p99 ${(c.p99 / h.p99).toFixed(2)}x (goal p99 <= 1.2x)`,
  );
  console.log(
    `POST /v1/check/batch, 100 checks per request, sequential: median ${Math.round(
      quantile(batchRates, 0.5),
    )} decisions/s (goal >= 50,000)`,
  );
  console.log(
    `POST /v1/check/batch, 100 checks per request, ${CONCURRENCY} concurrent clients: ${Math.round(
      concurrentRate,
    )} decisions/s over ${BATCHES} requests`,
  );
}

/**
 * The same batches from CONCURRENCY clients at once: requests waiting on a commit share the
 * next one (group commit), so throughput is not bounded by one commit per request.
 * Returns decisions/s.
 */
async function concurrentBatches(count = BATCHES) {
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < count) {
        const b = sent++;
        await call('/v1/check/batch', {
          checks: Array.from({ length: 100 }, (_, i) => check(b * 100 + i)),
        });
      }
    }),
  );
  return (count * 100) / ((performance.now() - started) / 1000);
}

async function concurrentOnly() {
  // JIT, caches and the pool warm up first (a short series is mostly warm-up otherwise)
  await concurrentBatches(WARMUP_BATCHES);
  const rate = await concurrentBatches();
  console.log(
    `POST /v1/check/batch, 100 checks per request, ${CONCURRENCY} concurrent clients: ${Math.round(
      rate,
    )} decisions/s over ${BATCHES} requests`,
  );
}

async function checksOnly() {
  for (let i = 0; i < 200; i++) await call('/v1/check', check(i));
  const ms = (await paced(i => call('/v1/check', check(i + 1)))).map(r => r.ms);
  console.log(
    `POST /v1/check at ${RATE}/s: p50 ${quantile(ms, 0.5).toFixed(
      2,
    )} ms, p99 ${quantile(ms, 0.99).toFixed(2)} ms`,
  );
}

async function batchesOnly() {
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    await call('/v1/check/batch', {
      checks: Array.from({ length: 100 }, (_, i) => check(b * 100 + i)),
    });
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `POST /v1/check/batch, 100 checks per request, sequential: ${Math.round(
      (BATCHES * 100) / seconds,
    )} decisions/s over ${BATCHES} requests`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
