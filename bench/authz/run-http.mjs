#!/usr/bin/env node
/*
 * Starts the portal backend (packages/backend with the e2e configuration, test Postgres from
 * PORTAL_TEST_POSTGRES_URL) on port 7117 with a static service token allowed to check on
 * behalf of product users, then runs http.bench.mjs against it and stops it. The backend is
 * started the way `backstage-cli package start` starts its child (the CLI's TypeScript loader)
 * but without the CLI's file watcher, which restarted it mid-run on other people's edits; the
 * code is transpiled once at start, then runs as plain JavaScript. NODE_OPTIONS (e.g.
 * --cpu-prof) reaches the backend process only.
 * Run: PORTAL_TEST_POSTGRES_URL=... scripts/with-node.sh node bench/authz/run-http.mjs
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { externalPostgresEnv, repoRoot, waitFor } from '../../e2e/lib.mjs';

/** The backend process, as `backstage-cli package start` spawns it, minus the watcher. */
function startBackend(env, logFile) {
  const backendDir = join(repoRoot, 'packages', 'backend');
  const transform = createRequire(
    join(repoRoot, 'node_modules', '@backstage', 'cli-module-build', 'x.js'),
  ).resolve('@backstage/cli-node/config/nodeTransform.cjs');
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      transform,
      'src/index.ts',
      ...['app-config.yaml', 'app-config.development.yaml'].flatMap(f => [
        '--config',
        join(repoRoot, f),
      ]),
      '--config',
      join(repoRoot, 'e2e', 'app-config.e2e.yaml'),
    ],
    {
      cwd: backendDir,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        NODE_OPTIONS: process.env.BACKEND_NODE_OPTIONS ?? '',
        ESBK_TSCONFIG_PATH: join(repoRoot, 'tsconfig.json'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = [];
  const collect = chunk => {
    output.push(chunk.toString());
    logFile.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise(done => child.once('exit', code => done(code)));
  return {
    child,
    log: () => output.join(''),
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

const PORT = 7117;
const BASE = `http://localhost:${PORT}`;
const TOKEN = 'authz-bench-token-8d2e41';
const pgEnv = externalPostgresEnv();
mkdirSync(join(repoRoot, 'e2e', 'artifacts'), { recursive: true });
const backend = startBackend(
  {
    ...pgEnv,
    PORTAL_API_TOKEN: 'authz-bench-unused-token',
    APP_CONFIG_app_baseUrl: BASE,
    APP_CONFIG_backend_baseUrl: BASE,
    APP_CONFIG_backend_listen_port: String(PORT),
    APP_CONFIG_backend_cors_origin: BASE,
    APP_CONFIG_backend_auth_externalAccess: JSON.stringify([
      {
        type: 'static',
        options: { token: TOKEN, subject: 'authz-bench' },
        accessRestrictions: [{ plugin: 'authz' }],
      },
    ]),
    APP_CONFIG_authz_productUserCallers: JSON.stringify(['authz-bench']),
  },
  createWriteStream(
    join(repoRoot, 'e2e', 'artifacts', 'backend-authz-bench.log'),
  ),
);
try {
  await waitFor(
    'the authz health route',
    async () => {
      const res = await fetch(`${BASE}/api/authz/v1/health`).catch(
        () => undefined,
      );
      return res?.ok ? (await res.json()).status === 'ok' : false;
    },
    { timeoutMs: 240_000, backend },
  );
  const client = new pg.Client({
    host: pgEnv.POSTGRES_HOST,
    port: Number(pgEnv.POSTGRES_PORT),
    user: pgEnv.POSTGRES_USER,
    password: pgEnv.POSTGRES_PASSWORD,
    database: 'product',
  });
  await client.connect();
  const { rows } = await client.query(
    `SELECT u.id, u.account_id FROM users u WHERE u.role = 'viewer' LIMIT 1`,
  );
  await client.end();
  const code = await new Promise(resolve => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bench/authz/http.bench.mjs')],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          AUTHZ_BASE_URL: `${BASE}/api/authz`,
          SERVICE_TOKEN: TOKEN,
          PRODUCT_USER_ID: rows[0].id,
          ACCOUNT_ID: rows[0].account_id,
        },
      },
    );
    child.on('exit', resolve);
  });
  process.exitCode = code;
} finally {
  await backend.stop();
}
