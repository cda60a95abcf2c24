// The export service in the real portal backend (started as `npm start` does, on the test
// Postgres): an engineer whose team may act for every account creates a CSV export, polls it to
// `succeeded`, fetches a signed URL and downloads the file; a tampered URL answers 403; an
// engineer whose team may act for no account is refused. API only: the export console page is
// not built yet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  E2E_BASE,
  callJson,
  demoAccountId,
  devUserToken,
  externalPostgresEnv,
  repoRoot,
  startPortalBackend,
  waitFor,
  waitForCatalog,
} from './lib.mjs';

const TOKEN = 'e2e-static-token-exports-7a1e';
const artifacts = join(repoRoot, 'e2e', 'artifacts');
const api = path => `${E2E_BASE}/api/exports/v1${path}`;

describe('export service in the real backend', () => {
  let backend;
  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    backend = startPortalBackend(
      {
        ...externalPostgresEnv(),
        PORTAL_API_TOKEN: TOKEN,
        PORTAL_DEMO_EVENT_ROWS: '2000',
      },
      createWriteStream(join(artifacts, 'backend-exports.log')),
    );
    await waitForCatalog(E2E_BASE, TOKEN, backend);
  });
  after(async () => {
    assert.equal(await backend?.stop(), 0);
  });

  it('creates a CSV export, runs it and downloads it through a signed URL', async () => {
    const { token } = await devUserToken('maya.cohen');
    const accountId = demoAccountId(1);
    const created = await callJson('POST', api('/exports'), token, {
      dataset: 'events',
      accountId,
      fields: ['id', 'event_type', 'country'],
      format: 'csv',
      delivery: { type: 'download' },
      idempotencyKey: `e2e-${Date.now()}`,
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const id = created.body.id;
    const job = await waitFor(
      'the export to finish',
      async () => {
        const r = await callJson('GET', api(`/exports/${id}`), token);
        return ['succeeded', 'failed'].includes(r.body.status)
          ? r.body
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, backend },
    );
    assert.equal(job.status, 'succeeded', JSON.stringify(job));
    const url = await callJson(
      'POST',
      api(`/exports/${id}/download-url`),
      token,
    );
    assert.equal(url.status, 200);
    const file = await fetch(`${E2E_BASE}/api/exports${url.body.url}`);
    assert.equal(file.status, 200);
    const text = await file.text();
    assert.equal(text.split('\n')[0], 'id,event_type,country');
    assert.equal(text.trimEnd().split('\n').length - 1, job.rowsWritten);
    const bad = `${url.body.url.slice(0, -3)}AAA`;
    assert.equal((await fetch(`${E2E_BASE}/api/exports${bad}`)).status, 403);
  });

  it('refuses an engineer whose team may act for no account', async () => {
    const { token } = await devUserToken('anna.berg');
    const created = await callJson('POST', api('/exports'), token, {
      dataset: 'events',
      accountId: demoAccountId(1),
      format: 'csv',
      delivery: { type: 'download' },
    });
    assert.equal(created.status, 403, JSON.stringify(created.body));
  });
});
