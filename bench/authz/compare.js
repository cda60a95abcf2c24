#!/usr/bin/env node
/*
 * Same-run A/B of the in-process evaluator: this checkout's authz-node against another
 * checkout's (the baseline, e.g. the commit before a change, extracted with
 * `git archive <commit> plugins/authz-node | tar -x -C DIR` plus node_modules symlinks, see
 * docs/benchmarks/authz.md), each round one fresh process per contender (alternating which
 * goes first), so neither shares JIT state, heap or caches with the other:
 *   - cached check(): the whole awaited call, median of the mean per call over blocks of 1,000
 *   - batch of 100 checks, all cached (50 batches) and all uncached (200): decisions per second
 * Run: scripts/with-node.sh node bench/authz/compare.js --baseline DIR [--rounds 5]
 */
const os = require('node:os');
const path = require('node:path');
const { loadTypeScript, repo } = require('./loadTypeScript');

const { execFileSync } = require('node:child_process');

const argv = process.argv.slice(2);
const option = name =>
  argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
const ROUNDS = Number(option('--rounds')) || 5;

const { Registry } = require('prom-client');

const ACME = '11111111-1111-4111-8111-111111111111';
const USERS = {
  admin: { account: ACME, role: 'admin', plan: 'enterprise', region: 'eu' },
  viewer: { account: ACME, role: 'viewer', plan: 'enterprise', region: 'us' },
};
const productUsers = {
  load: async ids =>
    new Map(ids.filter(id => USERS[id]).map(id => [id, USERS[id]])),
  invalidate: () => {},
};
const checkOf = (user, action, id) => ({
  subject: { type: 'product-user', id: user },
  action,
  resource: {
    type: 'dashboard',
    id,
    attributes: { account: ACME, data_classes: [] },
  },
});

async function evaluatorOf(root) {
  const lib = loadTypeScript(
    `export * from '${path.join(root, 'plugins/authz-node/src/index')}';`,
  );
  const evaluator = new lib.AuthzEvaluator({
    productUsers,
    metrics: new Registry(),
    cache: { maxEntries: 1_000_000 },
  });
  evaluator.activate(
    await lib.CompiledPolicy.compile(
      lib.readPolicyDirectory(path.join(repo, 'policies/product')),
    ),
  );
  return evaluator;
}

async function cachedCheckUs(evaluator, hot) {
  const blocks = [];
  for (let b = 0; b < 200; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) await evaluator.check(hot);
    blocks.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(blocks);
}

let seq = 0;
async function batchPerSecond(evaluator, cached) {
  const rates = [];
  const warm = Array.from({ length: 100 }, (_, i) =>
    checkOf(i % 2 ? 'admin' : 'viewer', 'dashboard.read', `warm-${i}`),
  );
  await evaluator.checkBatch(warm);
  for (let b = 0; b < (cached ? 50 : 200); b++) {
    const checks = cached
      ? warm
      : Array.from({ length: 100 }, (_, i) =>
          checkOf(i % 2 ? 'admin' : 'viewer', 'dashboard.read', `u${seq++}`),
        );
    const t = process.hrtime.bigint();
    await evaluator.checkBatch(checks);
    rates.push(100 / (Number(process.hrtime.bigint() - t) / 1e9));
  }
  return median(rates);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** One contender in this process: `--measure ROOT` prints its figures as JSON. */
async function measure(root) {
  const e = await evaluatorOf(root);
  const hot = checkOf('viewer', 'dashboard.read', 'hot');
  for (let i = 0; i < 5000; i++) await e.check(hot);
  if (!(await e.check(hot)).cacheHit) throw new Error('hot check not cached');
  console.log(
    JSON.stringify({
      cachedCheckUs: await cachedCheckUs(e, hot),
      cachedBatch: await batchPerSecond(e, true),
      uncachedBatch: await batchPerSecond(e, false),
    }),
  );
}

async function main() {
  const baselineDir = option('--baseline');
  if (!baselineDir) {
    throw new Error(
      '--baseline DIR: a checkout holding plugins/authz-node/src',
    );
  }
  const roots = { baseline: path.resolve(baselineDir), current: repo };
  const results = { baseline: [], current: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? ['current', 'baseline'] : ['baseline', 'current'];
    for (const name of order) {
      const out = execFileSync(
        process.execPath,
        [__filename, '--measure', roots[name]],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      results[name].push(JSON.parse(out.trim().split('\n').pop()));
    }
  }
  const summary = name => ({
    cachedCheckUs: median(results[name].map(x => x.cachedCheckUs)),
    cachedBatch: median(results[name].map(x => x.cachedBatch)),
    uncachedBatch: median(results[name].map(x => x.uncachedBatch)),
  });
  const b = summary('baseline');
  const c = summary('current');
  console.log(
    `machine: ${os.cpus().length} vCPU (${
      os.cpus()[0]?.model ?? '?'
    }), shared; Node ${
      process.version
    }; ${new Date().toISOString()}; ${ROUNDS} alternating rounds, medians`,
  );
  console.log(
    `cached check() awaited: baseline ${b.cachedCheckUs.toFixed(
      2,
    )} µs, current ${c.cachedCheckUs.toFixed(2)} µs (${(
      b.cachedCheckUs / c.cachedCheckUs
    ).toFixed(2)}x faster)`,
  );
  console.log(
    `batch of 100 cached: baseline ${Math.round(
      b.cachedBatch,
    )}/s, current ${Math.round(c.cachedBatch)}/s (${(
      c.cachedBatch / b.cachedBatch
    ).toFixed(2)}x)`,
  );
  console.log(
    `batch of 100 uncached: baseline ${Math.round(
      b.uncachedBatch,
    )}/s, current ${Math.round(c.uncachedBatch)}/s (${(
      c.uncachedBatch / b.uncachedBatch
    ).toFixed(2)}x)`,
  );
  if (argv.includes('--json')) console.log(JSON.stringify(results));
}

(option('--measure') ? measure(option('--measure')) : main()).catch(e => {
  console.error(e);
  process.exit(1);
});
