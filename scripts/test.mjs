// `npm test`: type-check, lint, jest (unit + integration on a real Postgres), then the e2e
// suite in real Chromium against a production build of the app served by the backend.
// Starts (and stops) its own throwaway embedded Postgres. `--skip-e2e` / `--only-e2e` for speed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPostgres } from './postgres.mjs';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
const bin = name => join(repoRoot, 'node_modules', '.bin', name);
const args = new Set(process.argv.slice(2));

/**
 * Runs one step as a child process. Asynchronous on purpose: the embedded Postgres writes its
 * log to pipes this process reads, and a blocked event loop (spawnSync) let those pipes fill
 * until every Postgres process that logged — the checkpointer first — hung on the write.
 */
async function step(title, command, commandArgs, options = {}) {
  const started = Date.now();
  process.stderr.write(`\n=== ${title}\n`);
  const result = await new Promise(resolvePromise => {
    const child = spawn(command, commandArgs, {
      cwd: repoRoot,
      stdio: 'inherit',
      env: process.env,
      ...options,
    });
    child.once('error', error =>
      resolvePromise({ status: null, signal: error.message }),
    );
    child.once('exit', (status, signal) => resolvePromise({ status, signal }));
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status !== 0) {
    throw new Error(
      `${title} failed (exit ${
        result.status ?? result.signal
      }) after ${seconds}s`,
    );
  }
  process.stderr.write(`=== ${title}: ok in ${seconds}s\n`);
}

async function main() {
  if (!existsSync(bin('backstage-cli'))) {
    throw new Error(
      'Dependencies are missing: run `scripts/with-node.sh npm ci` first.',
    );
  }
  process.env.CI = process.env.CI ?? 'true';

  // Generated from each plugin's openapi.yaml; build outputs, not tracked (postinstall makes them too).
  await step('Generate the OpenAPI types and routers', process.execPath, [
    'scripts/openapi-generate.mjs',
  ]);
  await step('Build the Rego wasm runtime', 'npm', [
    'run',
    '-s',
    '-w',
    '@internal/rego-wasm',
    'build:runtime',
  ]);
  const { resolveConformanceDir } = createRequire(import.meta.url)(
    '../packages/rego-wasm/dist/bundle/index.js',
  );
  process.env.REGO_CONFORMANCE_DIR = resolveConformanceDir();
  const postgres = await startTestPostgres();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () =>
      postgres.stop().finally(() => process.exit(130)),
    );
  }
  process.env.PORTAL_TEST_POSTGRES_URL = postgres.url;
  // TestDatabases (@backstage/backend-test-utils) makes its throwaway databases on this server.
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES18_CONNECTION_STRING =
    postgres.url;
  process.stderr.write(`Test Postgres at ${postgres.url}\n`);
  try {
    if (!args.has('--only-e2e')) {
      await step('Formatting (prettier)', bin('prettier'), ['--check', '.']);
      await step('Type-check', bin('tsc'), ['--noEmit']);
      await step('Lint', bin('backstage-cli'), ['repo', 'lint']);
      await step('Unit and integration tests (jest)', bin('backstage-cli'), [
        'repo',
        'test',
        '--maxWorkers=2',
      ]);
    }
    if (!args.has('--skip-e2e')) {
      await step(
        'Production build of the app',
        bin('backstage-cli'),
        ['package', 'build'],
        {
          cwd: join(repoRoot, 'packages', 'app'),
        },
      );
      await step('End-to-end tests (Chromium)', process.execPath, [
        '--test',
        '--test-concurrency=1',
        // a test that leaks a browser or a server fails or ends instead of hanging CI
        '--test-force-exit',
        '--test-timeout=600000',
        'e2e/portal.test.mjs',
        'e2e/data-explorer.test.mjs',
        'e2e/capacity.test.mjs',
        'e2e/authz.test.mjs',
        'e2e/slo.test.mjs',
        'e2e/adoption.test.mjs',
        'e2e/exports.test.mjs',
        'e2e/restart.test.mjs',
      ]);
    }
  } finally {
    await postgres.stop();
  }
}

main().catch(error => {
  process.stderr.write(`\n${error.message}\n`);
  process.exit(1);
});
