// The capacity doomsday clock in the real portal: collectors measure the demo product Postgres,
// an SRE pushes samples by API, and a feature-team engineer (Maya Cohen, dashboards)
// may not push but sees all eight limits with their provenance (live, pushed,
// declared estimate) in Chromium.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import {
  callJson,
  devUserToken,
  E2E_BASE,
  launchChromium,
  openPortalAs,
  portalBackendForSuite,
  repoRoot,
  waitFor,
} from './lib.mjs';

const TOKEN = 'e2e-static-token-capacity-8c1f';
const artifacts = join(repoRoot, 'e2e', 'artifacts');
const API = `${E2E_BASE}/api/capacity/v1`;
const DAY_MS = 86_400_000;
const LIMIT_IDS = [
  'postgres-disk',
  'postgres-iops',
  'postgres-connections',
  'postgres-query-p95',
  'postgres-replication-lag',
  'app-compute',
  'export-queue-depth',
  'export-storage',
];

/**
 * Earlier e2e backends on the same server registered the global collector task with the default
 * 300 s cadence; the scheduler keeps that stored next run, so this run's 10 s cadence would only
 * apply after it. Forget the stored schedule (the database may not exist yet).
 */
async function forgetStoredCollectorSchedule() {
  const url = new URL(process.env.PORTAL_TEST_POSTGRES_URL ?? '');
  url.pathname = '/backstage_plugin_capacity';
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
    await client.query(
      "DELETE FROM backstage_backend_tasks__tasks WHERE id LIKE 'capacity-collect-%'",
    );
  } catch (error) {
    if (!/does not exist/.test(String(error?.message))) throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('Capacity clock in the real portal', () => {
  const suite = portalBackendForSuite('capacity', {
    token: TOKEN,
    beforeStart: forgetStoredCollectorSchedule,
    env: {
      PORTAL_DEMO_EVENT_ROWS: '20000',
      // The shared collectors are a global scheduled task: on a reused database the last
      // run's schedule (default every 300 s) would hold this run's first collection back.
      APP_CONFIG_capacity_collectors_intervalSeconds: '10',
    },
  });

  it('collects live values, accepts pushed samples from an admin only', async () => {
    const engineer = (await devUserToken('maya.cohen')).token;
    // The collectors' first run (5 s after start) measures the demo product database.
    const limits = await waitFor(
      'a live Postgres sample',
      async () => {
        const { status, body } = await callJson(
          'GET',
          `${API}/limits`,
          engineer,
        );
        assert.equal(status, 200);
        const disk = body.limits.find(l => l.id === 'postgres-disk');
        const queue = body.limits.find(l => l.id === 'export-queue-depth');
        const storage = body.limits.find(l => l.id === 'export-storage');
        // This run's collection (a reused database keeps earlier runs' samples and notes):
        // queue and storage come from the exports jobs table through exports-node.
        return disk.current.provenance === 'live' &&
          queue.current.provenance === 'live' &&
          queue.current.source.includes('export_jobs') &&
          storage.current.provenance === 'live' &&
          storage.current.source.includes('export_jobs')
          ? body.limits
          : undefined;
      },
      { backend: suite.backend, timeoutMs: 60_000 },
    );
    assert.deepEqual(
      limits.map(l => l.id),
      LIMIT_IDS,
    );
    const byId = Object.fromEntries(limits.map(l => [l.id, l]));
    assert.ok(byId['postgres-disk'].current.value > 0);
    assert.ok(byId['postgres-connections'].current.value >= 1);
    assert.ok(byId['export-queue-depth'].current.value >= 0);
    assert.ok(byId['export-storage'].current.value >= 0);

    // Replication lag has no live source here (the embedded Postgres has no replica): pushed.
    const now = Date.now();
    const samples = Array.from({ length: 10 }, (_, i) => ({
      limit: 'postgres-replication-lag',
      value: 1 + 0.5 * i,
      at: new Date(now - (9 - i) * DAY_MS).toISOString(),
      source: 'e2e: replica lag exporter',
    }));
    const refused = await callJson('POST', `${API}/samples`, engineer, {
      samples,
    });
    assert.equal(refused.status, 403);
    // SRE is an admin team under the portal policy (capacity.sample.create).
    const sre = (await devUserToken('grace.liu')).token;
    const pushed = await callJson('POST', `${API}/samples`, sre, {
      samples,
    });
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    const after = await callJson('GET', `${API}/limits`, engineer);
    const lag = after.body.limits.find(
      l => l.id === 'postgres-replication-lag',
    );
    assert.equal(lag.current.provenance, 'pushed');
    assert.equal(lag.current.value, 5.5);
    // The plugin database outlives a run on a reused Postgres, so earlier runs' samples may
    // join the fit: only what this run guarantees is asserted.
    assert.ok(lag.forecast.points >= 10, JSON.stringify(lag.forecast));
    assert.ok(lag.forecast.slopePerDay > 0, JSON.stringify(lag.forecast));
  });

  it('shows all eight limits with a provenance marker in Chromium', async () => {
    const browser = await launchChromium();
    try {
      const { page, pageErrors, signIn } = await openPortalAs(browser, {
        search: 'maya',
        displayName: 'Maya Cohen',
      });
      await signIn();
      await page.getByRole('link', { name: 'Capacity' }).click();
      await page.getByTestId('limit-export-storage').waitFor();
      for (const id of LIMIT_IDS) {
        const marker = page.getByTestId(`provenance-${id}`);
        const provenance = await marker.getAttribute('data-provenance');
        assert.ok(
          ['live', 'pushed', 'estimate'].includes(provenance),
          `${id}: ${provenance}`,
        );
        assert.match(
          await marker.innerText(),
          /^(live|pushed|declared estimate) · \d+ (s|min|h|days) ago$/,
        );
      }
      assert.equal(
        await page
          .getByTestId('provenance-postgres-disk')
          .getAttribute('data-provenance'),
        'live',
      );
      assert.equal(
        await page
          .getByTestId('provenance-export-queue-depth')
          .getAttribute('data-provenance'),
        'live',
      );
      assert.equal(
        await page
          .getByTestId('provenance-export-storage')
          .getAttribute('data-provenance'),
        'live',
      );
      assert.equal(
        await page
          .getByTestId('provenance-postgres-replication-lag')
          .getAttribute('data-provenance'),
        'pushed',
      );
      await page.screenshot({
        path: join(artifacts, 'capacity-clock.png'),
        fullPage: true,
      });

      await page.getByRole('tab', { name: 'Weekly review' }).click();
      await page.getByTestId('exit-criterion').waitFor();
      await page.getByRole('tab', { name: 'Cost guardrails' }).click();
      await page.getByText('Postgres (compute + storage)').waitFor();
      await page.getByRole('tab', { name: 'Projects' }).click();
      await page.getByText('S2: Data archival + table partitioning').waitFor();
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
