#!/usr/bin/env node
/*
 * The portal's Backstage permission policy: the Rego policy the backend runs
 * (RegoPortalPermissionPolicy over policies/portal, opa-wasm in-process) against the TypeScript
 * PortalPermissionPolicy it replaced (the baseline), in the same run, on the same requests and
 * the same in-memory catalog lookups (no catalog in the timed path: what is timed is the policy).
 * Before timing, both must give identical decisions on every request.
 * Prints per-decision medians (of blocks of 1,000 awaited handle() calls) and the ratio.
 * Run: scripts/with-node.sh node bench/authz/portal-policy.bench.js [--blocks N] [--json]
 */
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const { loadTypeScript, repo } = require('./loadTypeScript');

const lib = loadTypeScript(
  [
    "export { PortalPermissionPolicy } from '../../plugins/permission-backend-module-portal-policy/src/PortalPermissionPolicy';",
    "export { RegoPortalPermissionPolicy } from '../../plugins/permission-backend-module-portal-policy/src/RegoPortalPermissionPolicy';",
    "export { ADMIN_GROUPS } from '../../plugins/permission-backend-module-portal-policy/src/roles';",
    "export { PortalPolicy } from '../../plugins/authz-node/src/portal/PortalPolicy';",
    "export { PORTAL_PLUGIN_IDS, platformPermissions } from '../../plugins/platform-common/src';",
    "export { filtersPermissions } from '../../plugins/filters-common/src';",
    "export { exportsPermissions } from '../../plugins/exports-common/src';",
    "export { catalogPermissions } from '@backstage/plugin-catalog-common/alpha';",
  ].join('\n'),
);

const argv = process.argv.slice(2);
const BLOCKS = Number(argv[argv.indexOf('--blocks') + 1]) || 100;
const BLOCK = 1000;

const ACCOUNT = '0cc175b9-c0f1-b6a8-31c3-99e269772661';
const USERS = {
  admin: [lib.ADMIN_GROUPS[0]],
  engineer: ['group:default/dashboards'],
  listed: ['group:default/pilot'],
  analyst: ['group:default/risk'],
};
const ACCESS = {
  'group:default/dashboards': 'all',
  'group:default/pilot': new Set([ACCOUNT]),
};
const CLASSES = { 'group:default/risk': ['pii', 'financial'] };
const lookups = {
  ownershipRefs: async user => [
    `user:default/${user.credentials.principal}`,
    ...USERS[user.credentials.principal],
  ],
  accountAccess: async groups => {
    const granted = new Set();
    for (const g of groups) {
      const a = ACCESS[g];
      if (a === 'all') return 'all';
      a?.forEach(id => granted.add(id));
    }
    return granted;
  },
  dataClasses: async groups => new Set(groups.flatMap(g => CLASSES[g] ?? [])),
};

const permissions = [
  ...lib.platformPermissions,
  ...lib.filtersPermissions,
  ...lib.exportsPermissions,
  ...lib.catalogPermissions,
];
const requests = [];
for (const permission of permissions) {
  for (const who of Object.keys(USERS)) {
    requests.push([{ permission }, { credentials: { principal: who } }]);
  }
}

async function main() {
  const rego = await lib.PortalPolicy.load({
    pluginIds: lib.PORTAL_PLUGIN_IDS,
    directory: path.join(repo, 'policies/portal'),
  });
  const ts = new lib.PortalPermissionPolicy(lookups);
  const wired = new lib.RegoPortalPermissionPolicy({
    ...lookups,
    policy: rego,
  });

  for (const [q, u] of requests) {
    const a = JSON.stringify(await ts.handle(q, u));
    const b = JSON.stringify(await wired.handle(q, u));
    if (a !== b) throw new Error(`${q.permission.name}: ${b} != ${a}`);
  }

  const blockMedian = async policy => {
    const perCall = [];
    for (let b = 0; b < BLOCKS; b++) {
      const started = performance.now();
      for (let i = 0; i < BLOCK; i++) {
        const [q, u] = requests[(b * BLOCK + i) % requests.length];
        await policy.handle(q, u);
      }
      perCall.push(((performance.now() - started) * 1000) / BLOCK);
    }
    perCall.sort((x, y) => x - y);
    return perCall[Math.floor(perCall.length / 2)];
  };
  // warm-up both, then alternate so load swings hit both alike
  await blockMedian(ts);
  await blockMedian(wired);
  const tsRuns = [];
  const regoRuns = [];
  for (let r = 0; r < 3; r++) {
    tsRuns.push(await blockMedian(ts));
    regoRuns.push(await blockMedian(wired));
  }
  const median = xs => [...xs].sort((x, y) => x - y)[1];
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    requests: requests.length,
    callsPerSeries: BLOCKS * BLOCK,
    typescriptMedianUs: median(tsRuns),
    regoMedianUs: median(regoRuns),
    ratio: median(regoRuns) / median(tsRuns),
  };
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(
    [
      `portal policy, ${result.requests} distinct requests, ${result.callsPerSeries} awaited handle() calls per series, 3 series each (${result.date}, Node ${result.node}, ${result.cpus} CPUs)`,
      `decisions identical on every request: yes`,
      `TypeScript PortalPermissionPolicy (baseline): median ${result.typescriptMedianUs.toFixed(
        2,
      )} µs per decision`,
      `Rego RegoPortalPermissionPolicy (opa-wasm):  median ${result.regoMedianUs.toFixed(
        2,
      )} µs per decision`,
      `ratio rego / typescript: ${result.ratio.toFixed(1)}×`,
    ].join('\n') + '\n',
  );
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
