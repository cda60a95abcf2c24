#!/usr/bin/env node
/*
 * Rego → OPA-wasm benchmark: compile time of the default RBAC policy, eval
 * p50/p99 through @open-policy-agent/opa-wasm (allow and deny paths), the same
 * decisions with @cedar-policy/cedar-wasm (stateful, pre-parsed policy set) in
 * the same run, and an SDK floor (constant policy) as baseline.
 * Run: scripts/with-node.sh node bench/rego/bench.js [--iterations N] [--json]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkgDir = path.resolve(__dirname, '../../packages/rego-wasm');
require(path.join(pkgDir, 'scripts/build-runtime.js'));
const { compileRego, loadPolicy } = require(path.join(
  pkgDir,
  'dist/bundle/index.js',
));
const cedar = require(require.resolve('@cedar-policy/cedar-wasm/nodejs', {
  paths: [pkgDir],
}));

const argv = process.argv.slice(2);
const N = Number(argv[argv.indexOf('--iterations') + 1]) || 20000;

const GRANTS = {
  viewer: [
    { action: 'read', kind: 'Component' },
    { action: 'read', kind: 'API' },
    { action: 'read', kind: 'Group' },
  ],
  editor: [
    { action: 'read', kind: 'Component' },
    { action: 'update', kind: 'Component' },
    { action: 'create', kind: 'Component' },
    { action: 'update', kind: 'API' },
  ],
  admin: ['read', 'create', 'update', 'delete'].flatMap(action =>
    ['Component', 'API', 'Group', 'User', 'Template'].map(kind => ({
      action,
      kind,
    })),
  ),
};

const CASES = {
  allow: {
    user: { name: 'ann', roles: ['viewer', 'editor'] },
    action: 'update',
    resource: { kind: 'API', name: 'orders', owner: 'team-b' },
  },
  deny: {
    user: { name: 'bob', roles: ['viewer', 'editor'] },
    action: 'delete',
    resource: { kind: 'Component', name: 'orders', owner: 'team-b' },
  },
};

function cedarPolicies() {
  const lines = [];
  for (const [role, grants] of Object.entries(GRANTS)) {
    for (const g of grants) {
      lines.push(
        `permit(principal in Role::"${role}", action == Action::"${g.action}", resource is ${g.kind});`,
      );
    }
  }
  lines.push(
    'permit(principal, action == Action::"update", resource) when { resource has owner && resource.owner == principal };',
  );
  return lines.join('\n');
}

function cedarCall(c) {
  const user = { type: 'User', id: c.user.name };
  return {
    principal: user,
    action: { type: 'Action', id: c.action },
    resource: { type: c.resource.kind, id: c.resource.name },
    context: {},
    preparsedPolicySetId: 'rbac',
    entities: [
      {
        uid: user,
        attrs: {},
        parents: c.user.roles.map(r => ({ type: 'Role', id: r })),
      },
      ...c.user.roles.map(r => ({
        uid: { type: 'Role', id: r },
        attrs: {},
        parents: [],
      })),
      {
        uid: { type: c.resource.kind, id: c.resource.name },
        attrs: { owner: { __entity: { type: 'User', id: c.resource.owner } } },
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

function time(fn, n) {
  for (let i = 0; i < Math.min(2000, n); i++) fn(); // warm-up
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    out[i] = Number(process.hrtime.bigint() - t) / 1000; // µs
  }
  return stats(out);
}

async function main() {
  const src = fs.readFileSync(path.join(__dirname, 'rbac.rego'), 'utf8');
  const t0 = process.hrtime.bigint();
  let compiled = compileRego({ 'rbac.rego': src }, ['portal/authz/allow']);
  const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const compileRuns = [];
  for (let i = 0; i < 50; i++) {
    const t = process.hrtime.bigint();
    compiled = compileRego({ 'rbac.rego': src }, ['portal/authz/allow']);
    compileRuns.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const compileStats = stats(compileRuns);

  const policy = await loadPolicy(compiled.wasm);
  policy.setData({ grants: GRANTS });
  const floor = await loadPolicy(
    compileRego({ 'c.rego': 'package c\nx := true' }, ['c/x']).wasm,
  );

  const ps = cedar.preparsePolicySet('rbac', {
    staticPolicies: cedarPolicies(),
  });
  if (ps.type !== 'success') throw new Error(JSON.stringify(ps));

  const results = {};
  for (const [name, input] of Object.entries(CASES)) {
    const want = name === 'allow';
    const rego = policy.evaluate(input, 'portal/authz/allow');
    if (rego[0].result !== want)
      throw new Error(`rego ${name}: ${JSON.stringify(rego)}`);
    const call = cedarCall(input);
    const ans = cedar.statefulIsAuthorized(call);
    if (ans.type !== 'success' || ans.response.decision !== name)
      throw new Error(`cedar ${name}: ${JSON.stringify(ans)}`);
    results[name] = {
      rego: time(() => policy.evaluate(input, 'portal/authz/allow'), N),
      cedar: time(
        () => cedar.statefulIsAuthorized(cedarCall(input)),
        Math.max(2000, N / 5),
      ),
    };
  }
  const floorStats = time(() => floor.evaluate(CASES.allow, 'c/x'), N);

  const fmt = x => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} vCPU (${
      os.cpus()[0]?.model ?? 'unknown'
    }), shared; Node ${process.version}`,
    compileMs: {
      cold: coldMs,
      p50: compileStats.p50,
      p99: compileStats.p99,
      runs: compileStats.n,
    },
    wasmBytes: compiled.wasm.length,
    sdkFloorUs: floorStats,
    paths: results,
  };
  if (argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`machine: ${report.machine}`);
  console.log(
    `compile default RBAC policy: cold ${fmt(coldMs)} ms, median ${fmt(
      compileStats.p50,
    )} ms (p99 ${fmt(compileStats.p99)} ms, ${compileStats.n} runs); module ${
      compiled.wasm.length
    } bytes`,
  );
  console.log(
    `SDK floor (constant policy): p50 ${fmt(floorStats.p50)} µs, p99 ${fmt(
      floorStats.p99,
    )} µs`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name}: rego-wasm p50 ${fmt(r.rego.p50)} µs p99 ${fmt(
        r.rego.p99,
      )} µs | cedar-wasm p50 ${fmt(r.cedar.p50)} µs p99 ${fmt(
        r.cedar.p99,
      )} µs | ratio cedar/rego p50 ${(r.cedar.p50 / r.rego.p50).toFixed(
        1,
      )}x, p99 ${(r.cedar.p99 / r.rego.p99).toFixed(1)}x | rego/floor p50 ${(
        r.rego.p50 / floorStats.p50
      ).toFixed(2)}x`,
    );
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
