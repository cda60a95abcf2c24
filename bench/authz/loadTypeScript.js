/*
 * For the benchmarks: loads the repository's TypeScript (authz-node, the permission module …)
 * by bundling it with esbuild once per run, npm dependencies external. The bundle is written
 * inside the repository so that its node_modules resolve, and removed once loaded (lru-cache is
 * bundled from the importing package, so authz-node gets its own version, 11, not the root's 9).
 * Also builds the rego-wasm runtime the policies need.
 */
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '../..');
const regoDir = path.join(repo, 'packages/rego-wasm');

const EXTERNAL = [
  '@open-policy-agent/opa-wasm',
  'yaml',
  'prom-client',
  'knex',
  'pg',
  'express',
  '@backstage/*',
];

/** `exportsSource`: TypeScript re-exporting what the benchmark needs (paths from this folder). */
function loadTypeScript(exportsSource) {
  require(path.join(regoDir, 'scripts/build-runtime.js'));
  process.env.REGO_WASM_RUNTIME = path.join(regoDir, 'build/runtime.wasm');
  const entry = path.join(__dirname, `.entry-${process.pid}.ts`);
  const bundle = path.join(__dirname, `.bundle-${process.pid}.js`);
  fs.writeFileSync(entry, exportsSource);
  try {
    require(require.resolve('esbuild', { paths: [regoDir] })).buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      external: EXTERNAL,
      logLevel: 'warning',
    });
    return require(bundle);
  } finally {
    fs.rmSync(entry, { force: true });
    fs.rmSync(bundle, { force: true });
  }
}

module.exports = { loadTypeScript, repo, regoDir };
