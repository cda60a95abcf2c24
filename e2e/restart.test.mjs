// `npm start` on its embedded Postgres: first start seeds, Ctrl-C stops everything, and a
// restart finds the same data.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../scripts/postgres.mjs';
import {
  E2E_BASE,
  repoRoot,
  startPortalBackend,
  waitForCatalog,
} from './lib.mjs';

const TOKEN = 'e2e-static-token-restart-77a1';
const artifacts = join(repoRoot, 'e2e', 'artifacts');

async function productMetadata(port) {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'postgres',
    database: 'product',
  });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT key, value FROM demo_metadata`);
    const { rows: count } = await client.query(
      'SELECT count(*)::int AS n FROM events',
    );
    return {
      ...Object.fromEntries(rows.map(r => [r.key, r.value])),
      events: count[0].n,
    };
  } finally {
    await client.end();
  }
}

describe('npm start on embedded Postgres', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portal-data-'));
  // As root, Postgres runs as the OS user postgres, which must reach the data directory.
  chmodSync(dataDir, 0o755);
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps its data across a restart and stops cleanly', async () => {
    mkdirSync(artifacts, { recursive: true });
    const port = await freePort();
    const env = {
      POSTGRES_HOST: '',
      PORTAL_DATA_DIR: dataDir,
      PORTAL_POSTGRES_PORT: String(port),
      PORTAL_API_TOKEN: TOKEN,
      PORTAL_DEMO_EVENT_ROWS: '5000',
    };
    const first = startPortalBackend(
      env,
      createWriteStream(join(artifacts, 'backend-embedded-1.log')),
    );
    await waitForCatalog(E2E_BASE, TOKEN, first);
    assert.match(first.log(), /Embedded Postgres on 127\.0\.0\.1:\d+/);
    assert.ok(existsSync(join(dataDir, 'postgres', 'PG_VERSION')));
    const seeded = await productMetadata(port);
    assert.equal(seeded.events, 5000);
    assert.equal(await first.stop(), 0);
    await assert.rejects(
      productMetadata(port),
      /ECONNREFUSED/,
      'Postgres stopped with the portal',
    );

    const second = startPortalBackend(
      env,
      createWriteStream(join(artifacts, 'backend-embedded-2.log')),
    );
    try {
      await waitForCatalog(E2E_BASE, TOKEN, second);
      const again = await productMetadata(port);
      assert.equal(
        again.seeded_at,
        seeded.seeded_at,
        'the same seeded data, not a reseed',
      );
      assert.equal(again.events, 5000);
      assert.match(
        second.log(),
        /Demo product database already seeded \(5000 events/,
      );
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
