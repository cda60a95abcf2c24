// The export service in the real portal backend (started as `npm start` does, on the test
// Postgres): an engineer whose team may act for every account creates a CSV export, polls it to
// `succeeded`, fetches a signed URL and downloads the file; a tampered URL answers 403; an
// engineer whose team may act for no account is refused. In Chromium: the engineer opens
// Exports from the sidebar, picks an account by typing part of its name, creates a CSV export
// in the console, watches its progress bar reach 100 %, and downloads the file (header and row
// count checked against the API); a platform admin's Admin tab draws the measured statistics.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  callJson,
  demoAccountId,
  devUserToken,
  E2E_BASE,
  launchChromium,
  openPortalAs,
  portalBackendForSuite,
  repoRoot,
  waitFor,
} from './lib.mjs';

const TOKEN = 'e2e-static-token-exports-7a1e';
const artifacts = join(repoRoot, 'e2e', 'artifacts');
const api = path => `${E2E_BASE}/api/exports/v1${path}`;

describe('export service in the real backend', () => {
  const suite = portalBackendForSuite('exports', {
    token: TOKEN,
    env: {
      PORTAL_DEMO_EVENT_ROWS: '2000',
    },
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
      { timeoutMs: 60_000, intervalMs: 250, backend: suite.backend },
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

  it('creates, watches and downloads a CSV export in the console (Chromium)', async () => {
    const { token } = await devUserToken('maya.cohen');
    const before = await callJson('GET', api('/exports?limit=200'), token);
    const known = new Set(before.body.items.map(j => j.id));
    const browser = await launchChromium();
    const { page, pageErrors, signIn } = await openPortalAs(browser, {
      search: 'maya',
      displayName: 'Maya Cohen',
      viewport: { width: 1400, height: 1600 },
    });
    try {
      await signIn();
      await page.getByRole('link', { name: 'Exports' }).first().click();
      await page.getByText('New export').waitFor();
      // Part of the name of demo account 1 ("Acme Analytics"): plan and region shown.
      await page.getByLabel('Account').fill('Acme Ana');
      await page
        .getByRole('option', { name: /^Acme Analytics/ })
        .first()
        .click();
      const accountId = demoAccountId(1);
      await page.getByText(`Enterprise, region US · ${accountId}`).waitFor();
      // Maya's team holds no PII class: the e-mail column is marked and disabled.
      assert.equal(await page.getByLabel('column email').isDisabled(), true);
      await page
        .getByTestId('export-estimate')
        .getByText(/^Estimate: [\d,]+ rows \(counted by the filter engine/)
        .waitFor();
      await page.getByRole('button', { name: 'Create export' }).click();

      const job = await waitFor(
        'the console to create the export',
        async () => {
          const r = await callJson('GET', api('/exports?limit=200'), token);
          return r.body.items.find(j => !known.has(j.id));
        },
        { timeoutMs: 30_000, intervalMs: 250, backend: suite.backend },
      );
      assert.equal(job.accountId, accountId);
      assert.equal(job.format, 'csv');
      assert.ok(!job.fields.includes('email'), JSON.stringify(job.fields));
      // The page polls: its progress bar reaches 100 % and the status says succeeded.
      const bar = page.getByLabel(`progress of export ${job.id}`);
      const seen = [];
      await waitFor(
        'the progress bar to reach 100',
        async () => {
          const value = Number(await bar.getAttribute('aria-valuenow'));
          if (seen.at(-1) !== value) seen.push(value);
          return value === 100 || undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100, backend: suite.backend },
      );
      await page
        .getByTestId(`status-${job.id}`)
        .getByText('succeeded')
        .waitFor();
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        seen,
        'progress never goes back',
      );
      await page.screenshot({
        path: join(artifacts, '20-exports-console.png'),
      });

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: `download export ${job.id}` }).click(),
      ]);
      const file = join(artifacts, `export-${job.id}.csv`);
      await download.saveAs(file);
      const done = (await callJson('GET', api(`/exports/${job.id}`), token))
        .body;
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      assert.equal(lines[0], done.fields.join(','));
      assert.equal(lines.length - 1, done.rowsWritten);
      assert.ok(done.rowsWritten > 0);
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });

  it("draws the measured queue statistics on a platform admin's Admin tab (Chromium)", async () => {
    const { token } = await devUserToken('priya.raman');
    const engineer = await devUserToken('maya.cohen');
    assert.equal(
      (await callJson('GET', api('/stats'), engineer.token)).status,
      403,
    );
    const browser = await launchChromium();
    const { page, pageErrors, signIn } = await openPortalAs(browser, {
      search: 'priya',
      displayName: 'Priya Raman',
      viewport: { width: 1400, height: 1600 },
    });
    try {
      await signIn();
      await page.getByRole('link', { name: 'Exports' }).first().click();
      await page.getByRole('tab', { name: 'Admin' }).click();
      await page.getByTestId('stats-measured').waitFor();
      const stats = (await callJson('GET', api('/stats?hours=24'), token)).body;
      // Every export of this file finished: the page and the API agree on the measured counts.
      assert.ok(stats.durations.count >= 2, JSON.stringify(stats.durations));
      await page
        .getByText(
          `${stats.durations.withinSlo} of ${stats.durations.count} within the 60 s SLO`,
        )
        .waitFor();
      for (const chart of ['queue-depth-chart', 'duration-chart']) {
        await page
          .getByTestId(chart)
          .locator('.recharts-surface')
          .first()
          .waitFor();
      }
      assert.ok(
        (await page
          .getByTestId('duration-chart')
          .locator('.recharts-bar-rectangle')
          .count()) > 0,
      );
      await page.getByText('SLO 60 s').waitFor();
      await page.screenshot({ path: join(artifacts, '21-exports-admin.png') });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
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
