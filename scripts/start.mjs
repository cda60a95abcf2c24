// `npm start`: embedded Postgres (unless an external one is configured), then the backend
// (port 7007) and the frontend (port 3000) via `backstage-cli repo start`. Ctrl-C stops all.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_POSTGRES, startPostgres } from './postgres.mjs';
import { externalPostgresFromEnv } from './externalPostgres.mjs';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
const log = message => process.stderr.write(`[portal] ${message}\n`);

function ensureApiToken() {
  if (process.env.PORTAL_API_TOKEN) return;
  const file = join(repoRoot, '.data', 'api-token');
  if (!existsSync(file)) {
    mkdirSync(join(repoRoot, '.data'), { recursive: true });
    writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, {
      mode: 0o600,
    });
  }
  process.env.PORTAL_API_TOKEN = readFileSync(file, 'utf8').trim();
  log(
    `PORTAL_API_TOKEN not set: using the development token in .data/api-token`,
  );
}

// The routers and API types are generated from each plugin's openapi.yaml (not tracked).
function generateOpenApiSources() {
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'scripts/openapi-generate.mjs')],
    { cwd: repoRoot, stdio: 'inherit', env: process.env },
  );
  if (result.status !== 0) {
    throw new Error(
      `Generating the OpenAPI sources failed (exit ${
        result.status ?? result.signal
      })`,
    );
  }
}

// Anything that evaluates Rego needs build/runtime.wasm; a fresh clone has none.
// The build step is idempotent: it returns at once when its outputs are current.
function buildRegoRuntime() {
  const result = spawnSync(
    'npm',
    ['run', '-s', '-w', '@internal/rego-wasm', 'build:runtime'],
    { cwd: repoRoot, stdio: 'inherit', env: process.env },
  );
  if (result.status !== 0) {
    throw new Error(
      `Building the Rego wasm runtime failed (exit ${
        result.status ?? result.signal
      })`,
    );
  }
}

async function main() {
  if (!existsSync(join(repoRoot, 'node_modules', '.bin', 'backstage-cli'))) {
    throw new Error(
      'Dependencies are missing: run `scripts/with-node.sh npm ci` first.',
    );
  }
  ensureApiToken();
  generateOpenApiSources();
  buildRegoRuntime();
  let postgres;
  const external = externalPostgresFromEnv();
  if (external) {
    log(`Using external Postgres at ${external.host}:${external.port}`);
  } else {
    postgres = await startPostgres({ ...DEV_POSTGRES, quiet: true });
    Object.assign(process.env, {
      POSTGRES_HOST: '127.0.0.1',
      POSTGRES_PORT: String(DEV_POSTGRES.port),
      POSTGRES_USER: DEV_POSTGRES.user,
      POSTGRES_PASSWORD: DEV_POSTGRES.password,
    });
    log(
      `Embedded Postgres on 127.0.0.1:${DEV_POSTGRES.port}, data in .data/postgres`,
    );
  }

  const args = ['repo', 'start', ...process.argv.slice(2)];
  const child = spawn(
    join(repoRoot, 'node_modules', '.bin', 'backstage-cli'),
    args,
    {
      cwd: repoRoot,
      stdio: 'inherit',
      env: process.env,
      detached: true,
    },
  );

  let stopping = false;
  const stop = async signal => {
    if (stopping) return;
    stopping = true;
    log(`Stopping (${signal})`);
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise(done => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        done();
      }, 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
    });
    await postgres?.stop();
    log('Stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  child.on('exit', code => {
    if (!stopping) {
      log(`backstage-cli exited with ${code}`);
      stop('child exit').then(() => process.exit(code ?? 1));
    }
  });
}

main().catch(error => {
  log(error.message ?? String(error));
  process.exit(1);
});
