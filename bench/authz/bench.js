#!/usr/bin/env node
/*
 * Permission service benchmark (in-process, no HTTP): the authz-node evaluator with the
 * repository's product policy (policies/product) compiled by rego-wasm and run by opa-wasm,
 * against the same decisions made by @cedar-policy/cedar-wasm (stateful, pre-parsed policy
 * set) in the same run.
 *   - cached check: the decision cache's lookup (trie walk + LRU get), against the previous
 *     string key + LRU get in the same run, and a whole awaited check()
 *   - uncached check: every call a new resource id, so key + policy evaluation + cache insert
 *   - batch: checkBatch of 100 uncached checks, decisions per second
 *   - cedar: statefulIsAuthorized of the same inputs (entities built per call, as a caller would)
 * Product users come from an in-memory source (no database in the timed path).
 * Run: scripts/with-node.sh node bench/authz/bench.js [--iterations N] [--json]
 */
const os = require('node:os');
const path = require('node:path');

const { loadTypeScript, regoDir, repo } = require('./loadTypeScript');

const {
  AuthzEvaluator,
  CompiledPolicy,
  DecisionCache,
  readPolicyDirectory,
  decisionKey,
  LRUCache,
} = loadTypeScript(`export * from '../../plugins/authz-node/src/index';
export { decisionKey } from './stringKey';
export { LRUCache } from '../../plugins/authz-node/node_modules/lru-cache';`);
const cedar = require(require.resolve('@cedar-policy/cedar-wasm/nodejs', {
  paths: [regoDir],
}));
const { Registry } = require('prom-client');

const argv = process.argv.slice(2);
const N = Number(argv[argv.indexOf('--iterations') + 1]) || 20000;

const ACME = '11111111-1111-4111-8111-111111111111';
const GLOBEX = '22222222-2222-4222-8222-222222222222';
const USERS = {
  admin: { account: ACME, role: 'admin', plan: 'enterprise', region: 'eu' },
  analyst: { account: ACME, role: 'analyst', plan: 'mid_market', region: 'us' },
  viewer: { account: ACME, role: 'viewer', plan: 'enterprise', region: 'us' },
};
const productUsers = {
  load: async ids =>
    new Map(ids.filter(id => USERS[id]).map(id => [id, USERS[id]])),
  invalidate: () => {},
};

/** The decisions compared: allow and deny paths of every rule. */
const CASES = [
  ['admin', 'audit.read', ACME, []],
  ['viewer', 'dashboard.read', ACME, []],
  ['viewer', 'dashboard.delete', ACME, []],
  ['admin', 'dashboard.read', GLOBEX, []],
  ['analyst', 'events.query', ACME, ['pii']],
  ['analyst', 'audit.read', ACME, []],
];

const checkOf = ([user, action, account, classes], id = 'r1') => ({
  subject: { type: 'product-user', id: user },
  action,
  resource: {
    type: 'dashboard',
    id,
    attributes: { account, data_classes: classes },
  },
});

/** The product policy in Cedar, generated from the same data.json. */
function cedarPolicies(entitlements) {
  const lines = [];
  for (const [role, r] of Object.entries(entitlements.roles)) {
    const actions = r.actions.map(a => `Action::"${a}"`).join(', ');
    lines.push(
      `permit(principal, action in [${actions}], resource) when { principal.role == "${role}" };`,
    );
  }
  lines.push(
    'forbid(principal, action, resource) unless { principal.account == resource.account };',
  );
  for (const [action, feature] of Object.entries(
    entitlements.action_features,
  )) {
    const plans = Object.entries(entitlements.plans)
      .filter(([, p]) => p.features.includes(feature))
      .map(([plan]) => `principal.plan == "${plan}"`);
    lines.push(
      `forbid(principal, action == Action::"${action}", resource) unless { ${
        plans.join(' || ') || 'false'
      } };`,
    );
  }
  lines.push(
    'forbid(principal, action, resource) when { resource.data_classes.contains("pii") && !principal.permissions.contains("pii.read") };',
  );
  return lines.join('\n');
}

function cedarCall(entitlements, [user, action, account, classes]) {
  const u = USERS[user];
  const principal = { type: 'User', id: user };
  const resource = { type: 'Resource', id: 'r1' };
  return {
    principal,
    action: { type: 'Action', id: action },
    resource,
    context: {},
    preparsedPolicySetId: 'product',
    entities: [
      {
        uid: principal,
        attrs: {
          account: u.account,
          role: u.role,
          plan: u.plan,
          permissions: entitlements.roles[u.role].permissions,
        },
        parents: [],
      },
      {
        uid: resource,
        attrs: { account, data_classes: classes },
        parents: [],
      },
    ],
  };
}

function stats(samples) {
  const s = Float64Array.from(samples).sort();
  const q = p => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p99: q(0.99), n: s.length };
}

function timeSync(fn, n) {
  for (let i = 0; i < Math.min(2000, n); i++) fn(i);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    out[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  return stats(out);
}

async function timeAsync(fn, n) {
  for (let i = 0; i < Math.min(2000, n); i++) await fn(i);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  return stats(out);
}

/** Sub-µs operations: median of the mean per call over blocks of 1,000 calls. */
function timeTiny(fn, n) {
  const blocks = [];
  for (let b = 0; b < Math.max(200, n / 100); b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) fn(i);
    blocks.push(Number(process.hrtime.bigint() - t) / 1000 / 1000);
  }
  return stats(blocks);
}

/** The same for awaited calls (the clock read per call would cost ~0.1 µs itself). */
async function timeTinyAsync(fn, n) {
  for (let i = 0; i < 2000; i++) await fn(i);
  const blocks = [];
  for (let b = 0; b < Math.max(200, n / 100); b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) await fn(i);
    blocks.push(Number(process.hrtime.bigint() - t) / 1000 / 1000);
  }
  return stats(blocks);
}

async function main() {
  const source = readPolicyDirectory(path.join(repo, 'policies/product'));
  const entitlements = source.data.product.entitlements;
  const policy = await CompiledPolicy.compile(source);
  const evaluator = new AuthzEvaluator({
    productUsers,
    metrics: new Registry(),
    cache: { maxEntries: 1_000_000 },
  });
  evaluator.activate(policy);

  const ps = cedar.preparsePolicySet('product', {
    staticPolicies: cedarPolicies(entitlements),
  });
  if (ps.type !== 'success') throw new Error(JSON.stringify(ps));

  // Same decisions from both engines before anything is timed.
  for (const c of CASES) {
    const rego = await evaluator.check(checkOf(c, `verify-${c.join('|')}`));
    const ans = cedar.statefulIsAuthorized(cedarCall(entitlements, c));
    if (ans.type !== 'success') throw new Error(JSON.stringify(ans));
    if ((ans.response.decision === 'allow') !== rego.allowed) {
      throw new Error(
        `engines disagree on ${c.join(' ')}: rego ${rego.reason}, cedar ${
          ans.response.decision
        }`,
      );
    }
  }

  const hot = checkOf(CASES[1]);
  await evaluator.check(hot);
  // the same check as a fresh object parsed from JSON, as the HTTP API receives it
  const hotJson = JSON.stringify(hot);
  const parsed = Array.from({ length: 1000 }, () => JSON.parse(hotJson));
  const lookupCache = new DecisionCache({ maxEntries: 1000 });
  lookupCache.set(hot, { allowed: true, reason: 'x' });
  const stringCache = new LRUCache({ max: 1000, ttl: 60_000 });
  stringCache.set(decisionKey(hot), { allowed: true, reason: 'x' });
  const cachedLookup = timeTiny(() => lookupCache.get(hot), N);
  const cachedLookupParsed = timeTiny(i => lookupCache.get(parsed[i]), N);
  const stringLookup = timeTiny(() => stringCache.get(decisionKey(hot)), N);
  const stringLookupParsed = timeTiny(
    i => stringCache.get(decisionKey(parsed[i])),
    N,
  );
  const cachedCheckMean = await timeTinyAsync(() => evaluator.check(hot), N);
  const cachedCheck = await timeAsync(() => evaluator.check(hot), N);

  let seq = 0;
  const uncached = [];
  for (const c of CASES) {
    uncached.push({
      case: c
        .slice(0, 3)
        .join(' ')
        .replace(ACME, 'own')
        .replace(GLOBEX, 'other'),
      rego: await timeAsync(
        () => evaluator.check(checkOf(c, `u${seq++}`)),
        Math.max(2000, Math.round(N / CASES.length)),
      ),
      cedar: timeSync(
        () => cedar.statefulIsAuthorized(cedarCall(entitlements, c)),
        Math.max(1000, Math.round(N / CASES.length / 5)),
      ),
    });
  }

  const batches = [];
  for (let b = 0; b < 30; b++) {
    const checks = Array.from({ length: 100 }, (_, i) =>
      checkOf(CASES[i % CASES.length], `b${seq++}`),
    );
    const t = process.hrtime.bigint();
    await evaluator.checkBatch(checks);
    batches.push(100 / (Number(process.hrtime.bigint() - t) / 1e9));
  }
  const cedarBatch = [];
  for (let b = 0; b < 10; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) {
      cedar.statefulIsAuthorized(
        cedarCall(entitlements, CASES[i % CASES.length]),
      );
    }
    cedarBatch.push(100 / (Number(process.hrtime.bigint() - t) / 1e9));
  }

  const median = xs => stats(xs).p50;
  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} vCPU (${
      os.cpus()[0]?.model ?? 'unknown'
    }), shared; Node ${process.version}`,
    policyRevision: policy.sha256,
    cachedLookupUs: cachedLookup,
    cachedLookupParsedUs: cachedLookupParsed,
    stringKeyLookupUs: stringLookup,
    stringKeyLookupParsedUs: stringLookupParsed,
    cachedCheckMeanUs: cachedCheckMean,
    cachedCheckUs: cachedCheck,
    uncached,
    batchDecisionsPerSecond: {
      regoUncached: median(batches),
      cedar: median(cedarBatch),
    },
  };
  if (argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const fmt = x => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
  console.log(`machine: ${report.machine}; ${report.date}`);
  console.log(
    `cached lookup, trie + LRU get: median ${fmt(
      cachedLookup.p50,
    )} µs per call, ${fmt(
      cachedLookupParsed.p50,
    )} µs on checks parsed from JSON | previous string key + LRU get: ${fmt(
      stringLookup.p50,
    )} µs, ${fmt(stringLookupParsed.p50)} µs parsed | ratio ${(
      stringLookup.p50 / cachedLookup.p50
    ).toFixed(1)}x, ${(stringLookupParsed.p50 / cachedLookupParsed.p50).toFixed(
      1,
    )}x parsed`,
  );
  console.log(
    `cached check() awaited: median ${fmt(
      cachedCheckMean.p50,
    )} µs per call over blocks of 1,000 (goal <= 1 µs); timed one by one p50 ${fmt(
      cachedCheck.p50,
    )} µs, p99 ${fmt(cachedCheck.p99)} µs (includes ~0.1 µs of clock reads)`,
  );
  for (const u of uncached) {
    console.log(
      `uncached ${u.case}: rego p50 ${fmt(u.rego.p50)} µs p99 ${fmt(
        u.rego.p99,
      )} µs | cedar p50 ${fmt(u.cedar.p50)} µs p99 ${fmt(
        u.cedar.p99,
      )} µs | cedar/rego p50 ${(u.cedar.p50 / u.rego.p50).toFixed(1)}x`,
    );
  }
  console.log(
    `batch of 100 uncached: ${fmt(
      report.batchDecisionsPerSecond.regoUncached,
    )} decisions/s | cedar ${fmt(
      report.batchDecisionsPerSecond.cedar,
    )} decisions/s | ratio ${(
      report.batchDecisionsPerSecond.regoUncached /
      report.batchDecisionsPerSecond.cedar
    ).toFixed(1)}x`,
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
