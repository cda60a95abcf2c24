#!/usr/bin/env node
/*
 * Starts the portal backend as the e2e tests do (scripts/start.mjs backend, shared test
 * Postgres from PORTAL_TEST_POSTGRES_URL) on port 7117 with a static service token allowed to
 * check on behalf of product users, then runs http.bench.mjs against it and stops it.
 * Run: source /tmp/team/env.sh && scripts/with-node.sh node bench/authz/run-http.mjs
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  externalPostgresEnv,
  repoRoot,
  startPortalBackend,
  waitFor,
} from '../../e2e/lib.mjs';

const PORT = 7117;
const BASE = `http://localhost:${PORT}`;
const TOKEN = 'authz-bench-token-8d2e41';
const pgEnv = externalPostgresEnv();
mkdirSync(join(repoRoot, 'e2e', 'artifacts'), { recursive: true });
const backend = startPortalBackend(
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
