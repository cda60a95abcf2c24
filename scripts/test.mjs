// `npm test`: type-check, lint, jest (unit + integration on a real Postgres), then the e2e
// suite in real Chromium against a production build of the app served by the backend.
// Starts (and stops) its own throwaway embedded Postgres. `--skip-e2e` / `--only-e2e` for speed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPostgres } from './postgres.mjs';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
const bin = name => join(repoRoot, 'node_modules', '.bin', name);
const args = new Set(process.argv.slice(2));

function step(title, command, commandArgs, options = {}) {
  const started = Date.now();
  process.stderr.write(`\n=== ${title}\n`);
  const result = spawnSync(command, commandArgs, {
    cwd: repoRoot,
    stdio: 'inherit',
    env: process.env,
    ...options,
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

  step('Build the Rego wasm runtime', 'npm', [
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
      step('Formatting (prettier)', bin('prettier'), ['--check', '.']);
      step('Generated OpenAPI types are current', process.execPath, [
        'scripts/openapi-generate.mjs',
        '--check',
      ]);
      step('Type-check', bin('tsc'), ['--noEmit']);
      step('Lint', bin('backstage-cli'), ['repo', 'lint']);
      step('Unit and integration tests (jest)', bin('backstage-cli'), [
        'repo',
        'test',
        '--maxWorkers=2',
      ]);
    }
    if (!args.has('--skip-e2e')) {
      step(
        'Production build of the app',
        bin('backstage-cli'),
        ['package', 'build'],
        {
          cwd: join(repoRoot, 'packages', 'app'),
        },
      );
      step('End-to-end tests (Chromium)', process.execPath, [
        '--test',
        '--test-concurrency=1',
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
