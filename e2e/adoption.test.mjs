// Platform adoption in the real portal: the scorecard page lists the nine feature teams with the
// scores the API returns, and after a feature-team engineer (Maya Cohen, dashboards) queries the
// filter engine, the matrix shows the dashboards × filtering cell as measured (platform request
// telemetry flushes once a minute, so this waits up to ~2.5 minutes); the Inventory tab shows
// that team's measured filter-engine calls as the API reports them, and the team's records in
// the platform audit store (the filter query's audit record, team from the catalog) beside them;
// the portal's own adoption plugin, calling authz as service principal plugin:adoption, counts
// for platform-services through the org catalog's platform.portal/service-principal claim; the
// roadmap's permission-latency criterion is read from the SLO plugin.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

const TOKEN = 'e2e-static-token-adoption-51d2';
const artifacts = join(repoRoot, 'e2e', 'artifacts');
const API = `${E2E_BASE}/api/adoption/v1`;
const FEATURE_TEAMS = [
  'alerting',
  'billing',
  'collaboration',
  'dashboards',
  'explore',
  'identity',
  'ingestion',
  'integrations',
  'reporting',
];

describe('Platform adoption in the real portal', () => {
  const suite = portalBackendForSuite('adoption', {
    token: TOKEN,
    env: {
      PORTAL_DEMO_EVENT_ROWS: '20000',
    },
  });

  it('shows measured filter-engine usage of a feature team, and every team scored', async () => {
    const maya = (await devUserToken('maya.cohen')).token;
    const cellOf = matrix =>
      matrix.cells.find(
        c =>
          c.team === 'group:default/dashboards' &&
          c.capability === 'filtering' &&
          c.source === 'measured',
      );
    const before0 = await callJson('GET', `${API}/matrix`, maya);
    assert.equal(before0.status, 200, JSON.stringify(before0.body));
    assert.deepEqual(
      before0.body.teams,
      FEATURE_TEAMS.map(t => `group:default/${t}`),
    );
    const callsBefore = cellOf(before0.body).evidence.calls30d;
    const auditedBefore = cellOf(before0.body).evidence.audit?.events30d ?? 0;

    const query = await callJson(
      'POST',
      `${E2E_BASE}/api/filters/v1/query`,
      maya,
      {
        dataset: 'events',
        accountId: demoAccountId(1),
        filter: {
          combinator: 'and',
          rules: [{ field: 'event_type', operator: 'eq', value: 'user.login' }],
        },
        limit: 10,
      },
    );
    assert.equal(query.status, 200, JSON.stringify(query.body));

    const cell = await waitFor(
      'the dashboards filtering cell to show the query (telemetry flush + sync)',
      async () => {
        const { status, body } = await callJson('GET', `${API}/matrix`, maya);
        assert.equal(status, 200);
        const c = cellOf(body);
        return c.evidence.calls30d > callsBefore ? c : undefined;
      },
      { backend: suite.backend, timeoutMs: 150_000, intervalMs: 5_000 },
    );
    assert.equal(cell.source, 'measured');
    assert.ok(cell.phase >= 1, JSON.stringify(cell));
    assert.ok(cell.evidence.lastCallAt);
    // The query's audit record committed before the answer (filters audits every query).
    assert.ok(
      cell.evidence.audit.events30d > auditedBefore,
      JSON.stringify(cell),
    );
    assert.ok(
      cell.evidence.audit.actions.some(
        a => a.action === 'filters.filters-query' && a.outcome === 'succeeded',
      ),
      JSON.stringify(cell.evidence.audit),
    );

    const { body: api } = await callJson('GET', `${API}/scorecards`, maya);
    assert.equal(api.scorecards.length, 9);

    // The permission-latency criterion reads the SLO plugin with adoption's service token: the
    // SLO answers (with data or with its own "no data" message), never "unreadable".
    const { body: roadmap } = await callJson('GET', `${API}/roadmap`, maya);
    const latency = roadmap.milestones
      .find(m => m.id === 'M3')
      .criteria.find(c => c.text === 'Permission check latency < 5 ms p99');
    assert.ok(
      latency.status === 'not-measurable'
        ? /^SLO permission-check-(un)?cached has no data/.test(latency.detail)
        : latency.source.startsWith('SLO plugin: permission-check-cached'),
      JSON.stringify(latency),
    );

    const browser = await launchChromium();
    try {
      const { page, pageErrors, signIn } = await openPortalAs(browser, {
        search: 'maya',
        displayName: 'Maya Cohen',
      });
      await signIn();
      await page.getByRole('link', { name: 'Adoption' }).click();
      for (const card of api.scorecards) {
        const team = card.team.replace('group:default/', '');
        const row = page.getByTestId(`scorecard-${team}`);
        await row.waitFor();
        assert.equal(
          (await row.getByTestId('score').textContent()).trim(),
          String(card.score),
          team,
        );
      }
      await page.screenshot({
        path: join(artifacts, 'adoption-scorecards.png'),
      });

      await page.getByRole('tab', { name: 'Matrix' }).click();
      const matrixCell = page.getByTestId('cell-dashboards-filtering');
      await matrixCell.waitFor();
      assert.equal(await matrixCell.getAttribute('data-source'), 'measured');
      assert.ok(Number(await matrixCell.getAttribute('data-phase')) >= 1);
      await matrixCell.click();
      await page.getByTestId('cell-drawer').getByText('History').waitFor();
      await page.screenshot({ path: join(artifacts, 'adoption-matrix.png') });
      await page.keyboard.press('Escape');

      // One measured figure end to end: the Inventory tab shows the dashboards team's filter
      // engine calls exactly as the API measured them, with the measurement's source.
      const { body: inv } = await callJson('GET', `${API}/capabilities`, maya);
      const measured = inv.capabilities
        .find(c => c.id === 'filtering')
        .measuredConsumers.find(c => c.team === 'group:default/dashboards');
      assert.ok(measured.calls30d >= 1, JSON.stringify(measured));
      assert.match(inv.measurement.source, /requestsByTeam/);
      const audited = inv.capabilities
        .find(c => c.id === 'filtering')
        .auditConsumers.find(c => c.team === 'group:default/dashboards');
      assert.ok(audited.events30d >= 1, JSON.stringify(audited));
      assert.equal(inv.auditMeasurement.ok, true, inv.auditMeasurement.detail);
      assert.match(inv.auditMeasurement.source, /audit store/);
      // The adoption plugin reads authz shadow stats as plugin:adoption; the org catalog maps
      // that principal to platform-services.
      assert.ok(
        inv.servicePrincipals.some(
          p =>
            p.service === 'service:plugin:adoption' &&
            p.team === 'group:default/platform-services' &&
            p.status === 'mapped',
        ),
        JSON.stringify(inv.servicePrincipals),
      );
      const adoptionCalls = inv.capabilities
        .find(c => c.id === 'permissions')
        .measuredServices.find(s => s.service === 'service:plugin:adoption');
      assert.equal(
        adoptionCalls?.team,
        'group:default/platform-services',
        JSON.stringify(inv.capabilities.find(c => c.id === 'permissions')),
      );
      await page.getByRole('tab', { name: 'Inventory' }).click();
      const callers = page.getByTestId('callers-filtering-dashboards');
      await callers.waitFor();
      assert.equal(
        Number(await callers.getByTestId('calls30d').textContent()),
        measured.calls30d,
      );
      assert.match(
        await page.getByTestId('measurement').textContent(),
        /requestsByTeam/,
      );
      assert.equal(
        Number(await callers.getByTestId('events30d').textContent()),
        audited.events30d,
      );
      assert.match(
        await page.getByTestId('audit-measurement').textContent(),
        /audit store/,
      );
      assert.match(
        await page
          .getByTestId('callers-permissions-service:plugin:adoption')
          .textContent(),
        /service:plugin:adoption → platform-services/,
      );
      await page.screenshot({
        path: join(artifacts, 'adoption-inventory.png'),
      });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
