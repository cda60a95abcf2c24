// SLOs in the real portal: after a short run of the traffic simulator (real requests through
// the platform services as several catalog users), the SLO list shows measured SLIs (among
// them the cached and uncached permission-check SLOs from the authz decision latency), the
// detail page draws burn rates, and a runbook renders.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  callJson,
  demoAccountId,
  E2E_BASE,
  getJson,
  launchChromium,
  openPortalAs,
  portalBackendForSuite,
  repoRoot,
  waitFor,
} from './lib.mjs';

const TOKEN = 'e2e-static-token-slo-7c1f';
const artifacts = join(repoRoot, 'e2e', 'artifacts');

function simulate(seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'scripts', 'simulate.mjs'),
        '--base',
        E2E_BASE,
        '--duration',
        String(seconds),
        '--rate',
        '8',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', c => (out += c));
    child.stderr.on('data', c => (out += c));
    child.once('exit', code =>
      code === 0
        ? resolve(out)
        : reject(new Error(`simulator exited ${code}:\n${out}`)),
    );
  });
}

describe('SLO pages in the real portal', () => {
  const suite = portalBackendForSuite('slo', {
    token: TOKEN,
    env: {
      PORTAL_DEMO_EVENT_ROWS: '20000',
      // Evaluate every 5 s instead of every minute, so the test waits less.
      APP_CONFIG_slo_evaluationIntervalSeconds: '5',
    },
  });

  it('shows measured SLIs after a simulator run and draws burn rates on the detail page', async () => {
    const user = await (
      await fetch(`${E2E_BASE}/api/auth/dev-user/refresh`, {
        headers: { 'x-portal-dev-user': 'maya.cohen' },
      })
    ).json();
    // Real permission checks over the authz HTTP route (permission-check-http's source; each is
    // also an evaluated decision for permission-check-uncached).
    const checkStatuses = [];
    for (let i = 0; i < 5; i++) {
      const check = await callJson(
        'POST',
        `${E2E_BASE}/api/authz/v1/check`,
        user.backstageIdentity.token,
        {
          subject: { type: 'portal-user', id: 'user:default/maya.cohen' },
          action: 'dashboards.read',
          resource: { type: 'dashboard', id: `e2e-slo-${i}` },
        },
      );
      checkStatuses.push(check.status);
    }
    assert.ok(
      checkStatuses.every(status => status < 500),
      `authz /v1/check answered ${checkStatuses.join(', ')}`,
    );
    // A real export (the export-completion SLI reads finished jobs from the exports table).
    const exported = await callJson(
      'POST',
      `${E2E_BASE}/api/exports/v1/exports`,
      user.backstageIdentity.token,
      {
        dataset: 'events',
        accountId: demoAccountId(1),
        fields: ['id', 'event_type', 'country'],
        format: 'csv',
        delivery: { type: 'download' },
        idempotencyKey: `e2e-slo-${Date.now()}`,
      },
    );
    assert.equal(exported.status, 202, JSON.stringify(exported.body));
    const output = await simulate(20);
    assert.match(output, /filter query 200/);
    // The simulator repeats each permission check: the repeats come from the decision cache.
    assert.match(output, /permission check \(cached\) 200/);
    // Request rollups are flushed every minute; then the scheduler ingests them.
    const list = await waitFor(
      'a measured availability SLI',
      async () => {
        const body = await getJson(
          `${E2E_BASE}/api/slo/v1/slos`,
          user.backstageIdentity.token,
        );
        const availability = body.items.find(s => s.id === 'availability');
        return availability?.sli !== null && availability?.total > 0
          ? body
          : undefined;
      },
      { backend: suite.backend, timeoutMs: 180_000, intervalMs: 3_000 },
    );
    const availability = list.items.find(s => s.id === 'availability');
    assert.ok(availability.sli > 0 && availability.sli <= 1);
    const permissionSlo = await waitFor(
      'a measured permission-check SLI from the authz route',
      async () => {
        const body = await getJson(
          `${E2E_BASE}/api/slo/v1/slos`,
          user.backstageIdentity.token,
        );
        const slo = body.items.find(s => s.id === 'permission-check-http');
        return slo?.total >= checkStatuses.length ? slo : undefined;
      },
      { backend: suite.backend, timeoutMs: 120_000, intervalMs: 3_000 },
    );
    assert.ok(permissionSlo.sli !== null && permissionSlo.sli <= 1);
    assert.equal(permissionSlo.dataStatus.ok, true);
    // The spec's cached / uncached SLOs, from the permission service's decision latency.
    const decisionSlos = await waitFor(
      'measured cached and uncached permission-check SLIs',
      async () => {
        const body = await getJson(
          `${E2E_BASE}/api/slo/v1/slos`,
          user.backstageIdentity.token,
        );
        const cached = body.items.find(s => s.id === 'permission-check-cached');
        const uncached = body.items.find(
          s => s.id === 'permission-check-uncached',
        );
        return cached?.total > 0 && uncached?.total >= checkStatuses.length
          ? { cached, uncached }
          : undefined;
      },
      { backend: suite.backend, timeoutMs: 120_000, intervalMs: 3_000 },
    );
    for (const [segment, slo] of Object.entries(decisionSlos)) {
      assert.ok(slo.sli !== null && slo.sli >= 0 && slo.sli <= 1, slo.id);
      assert.deepEqual(slo.dataStatus, {
        ok: true,
        message: `measured from the permission service's decision latency histograms (${segment} decisions, per minute)`,
        lastMinute: slo.dataStatus.lastMinute,
      });
    }
    const exportsSlo = await waitFor(
      'a measured export-completion SLI from the exports jobs table',
      async () => {
        const body = await getJson(
          `${E2E_BASE}/api/slo/v1/slos`,
          user.backstageIdentity.token,
        );
        const slo = body.items.find(s => s.id === 'export-completion');
        return slo?.total >= 1 ? slo : undefined;
      },
      { backend: suite.backend, timeoutMs: 120_000, intervalMs: 3_000 },
    );
    assert.ok(exportsSlo.sli !== null && exportsSlo.sli <= 1);
    assert.deepEqual(exportsSlo.dataStatus, {
      ok: true,
      message:
        "measured from the exports plugin's export_jobs table (finished jobs by finish minute)",
      lastMinute: exportsSlo.dataStatus.lastMinute,
    });
    assert.ok(exportsSlo.dataStatus.lastMinute, 'the last measured minute');

    const browser = await launchChromium();
    try {
      const { page, pageErrors, signIn } = await openPortalAs(browser, {
        search: 'maya',
        displayName: 'Maya Cohen',
      });
      await signIn();
      await page.getByRole('link', { name: 'SLOs' }).first().click();
      await page.getByText('Platform availability 99.9 % monthly').waitFor();
      // The list shows measured SLIs (events counted).
      await page
        .getByText(/\(\d[\d,]* events\)/)
        .first()
        .waitFor();
      await page.screenshot({
        path: join(artifacts, 'slo-list.png'),
        fullPage: true,
      });

      await page
        .getByRole('link', { name: 'Platform availability 99.9 % monthly' })
        .click();
      await page
        .getByText('Burn rate per window (dashed: alert factors)')
        .waitFor();
      // Seven windows on the axis and the spec preset's two factors (10×, 2×) as thresholds.
      // (Bars of a 0× burn rate have no height, so the axis is what proves the windows.)
      const chart = page.getByTestId('burn-rate-chart');
      const ticks = chart.locator(
        '.recharts-xAxis .recharts-cartesian-axis-tick',
      );
      await waitFor(
        'burn-rate chart windows',
        async () => (await ticks.count()) === 7,
        {
          timeoutMs: 20_000,
        },
      );
      assert.deepEqual(await ticks.allTextContents(), [
        '5 min',
        '30 min',
        '1 h',
        '2 h',
        '6 h',
        '1 d',
        '3 d',
      ]);
      assert.equal(await chart.locator('.recharts-reference-line').count(), 2);
      assert.match(await page.getByTestId('current-sli').innerText(), /%$/);
      await page.screenshot({
        path: join(artifacts, 'slo-detail.png'),
        fullPage: true,
      });

      await page.getByRole('link', { name: 'db-failover' }).first().click();
      await page.getByText('Decide within 5 minutes').waitFor();

      // The cached permission-check SLO shows its measured SLI and source.
      await page.getByRole('link', { name: 'SLOs' }).first().click();
      await page
        .getByRole('link', { name: 'Cached permission checks p99 under 5 ms' })
        .click();
      await page
        .getByText(
          "measured from the permission service's decision latency histograms (cached decisions, per minute)",
          { exact: false },
        )
        .waitFor();
      assert.match(await page.getByTestId('current-sli').innerText(), /%$/);
      await page.screenshot({
        path: join(artifacts, 'slo-permission-check-cached.png'),
        fullPage: true,
      });

      // The export-completion SLO shows its measured source and time.
      await page.getByRole('link', { name: 'SLOs' }).first().click();
      await page
        .getByRole('link', {
          name: 'Exports under 100 MB complete within 60 s',
        })
        .click();
      await page
        .getByText(
          "measured from the exports plugin's export_jobs table (finished jobs by finish minute)",
          { exact: false },
        )
        .waitFor();
      assert.match(await page.getByTestId('current-sli').innerText(), /%$/);
      await page.getByText(/^as of /).waitFor();
      await page.screenshot({
        path: join(artifacts, 'slo-export-completion.png'),
        fullPage: true,
      });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
