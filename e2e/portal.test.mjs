// The portal on an external Postgres (the test server stands in for one): API with the static
// token and a dev-user token, then a feature-team engineer in real Chromium.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  callJson,
  demoAccountId,
  devUserToken,
  E2E_BASE,
  getJson,
  launchChromium,
  openPortalAs,
  portalBackendForSuite,
  repoRoot,
  waitFor,
} from './lib.mjs';

const TOKEN = 'e2e-static-token-4f1c2b7a9d';
const artifacts = join(repoRoot, 'e2e', 'artifacts');
const FEATURE_TEAMS = [
  'dashboards',
  'reporting',
  'explore',
  'ingestion',
  'integrations',
  'billing',
  'identity',
  'alerting',
  'collaboration',
];
const PLATFORM_SERVICES = [
  'export-service',
  'filter-engine',
  'permission-service',
];
// The catalog table shows entity titles.
const TEAM_TITLES = [
  'Dashboards',
  'Reporting',
  'Explore',
  'Data Ingestion',
  'Integrations',
  'Billing',
  'Identity',
  'Alerting',
  'Collaboration',
];
const SERVICE_TITLES = [
  'Export service',
  'Filtering & query engine',
  'Permissions service',
];

describe('portal on an external Postgres', () => {
  const suite = portalBackendForSuite('external', {
    token: TOKEN,
    env: { PORTAL_DEMO_EVENT_ROWS: '20000' },
  });

  it('uses the external server and starts nothing embedded', () => {
    assert.match(
      suite.backend.log(),
      /Using external Postgres at 127\.0\.0\.1:\d+/,
    );
    assert.doesNotMatch(suite.backend.log(), /Embedded Postgres on/);
  });

  it('refuses API calls without credentials', async () => {
    const response = await fetch(
      `${E2E_BASE}/api/catalog/entities?filter=kind=group`,
    );
    assert.equal(response.status, 401);
  });

  it('lists the organisation with the static token', () => {
    const names = suite.catalog.groups.map(g => g.metadata.name).sort();
    assert.deepEqual(
      names,
      [...FEATURE_TEAMS, 'platform-services', 'sre'].sort(),
    );
    for (const team of suite.catalog.groups) {
      const kind = team.metadata.annotations['platform.portal/team-kind'];
      assert.ok(
        ['feature-team', 'platform', 'sre'].includes(kind),
        `${team.metadata.name} has a kind`,
      );
    }
    assert.deepEqual(
      suite.catalog.services.map(s => s.metadata.name).sort(),
      [...PLATFORM_SERVICES].sort(),
    );
  });

  it('records who consumes each platform API as relations', async () => {
    const expected = {
      'export-api': 5,
      'filter-sdk': 6,
      'permissions-check-api': 7,
    };
    for (const [api, teams] of Object.entries(expected)) {
      const entity = await getJson(
        `${E2E_BASE}/api/catalog/entities/by-name/api/default/${api}`,
        TOKEN,
      );
      const consumers = entity.relations
        .filter(r => r.type === 'apiConsumedBy')
        .map(r => r.targetRef);
      const owners = new Set();
      for (const ref of consumers) {
        const [, name] = ref.split('/');
        const component = await getJson(
          `${E2E_BASE}/api/catalog/entities/by-name/component/default/${name}`,
          TOKEN,
        );
        owners.add(component.spec.owner);
      }
      assert.equal(owners.size, teams, `${api} is consumed by ${teams} teams`);
    }
  });

  it('issues a token for a catalog user to scripts (development only) and refuses unknown users', async () => {
    const ok = await fetch(`${E2E_BASE}/api/auth/dev-user/refresh`, {
      headers: { 'x-portal-dev-user': 'maya.cohen' },
    });
    assert.equal(ok.status, 200);
    const { backstageIdentity, profile } = await ok.json();
    assert.equal(
      backstageIdentity.identity.userEntityRef,
      'user:default/maya.cohen',
    );
    assert.deepEqual(profile, {
      displayName: 'Maya Cohen',
      email: 'maya.cohen@analytics.example',
    });
    assert.ok(
      backstageIdentity.identity.ownershipEntityRefs.includes(
        'group:default/dashboards',
      ),
    );
    const groups = await getJson(
      `${E2E_BASE}/api/catalog/entities?filter=kind=group`,
      backstageIdentity.token,
    );
    assert.equal(groups.length, 11);
    const unknown = await fetch(`${E2E_BASE}/api/auth/dev-user/refresh`, {
      headers: { 'x-portal-dev-user': 'nobody.here' },
    });
    assert.equal(unknown.status, 404);
  });

  it('restricts the static token: no PII, no admin action, no catalog change (issue 8 item 2)', async () => {
    const body = {
      dataset: 'events',
      accountId: demoAccountId(1),
      filter: { combinator: 'and', rules: [] },
      limit: 5,
    };
    const rows = await callJson(
      'POST',
      `${E2E_BASE}/api/filters/v1/query`,
      TOKEN,
      body,
    );
    assert.equal(rows.status, 200, JSON.stringify(rows.body));
    assert.ok(rows.body.omittedFields.includes('email'));
    assert.ok(!rows.body.fields.includes('email'));
    const email = await callJson(
      'POST',
      `${E2E_BASE}/api/filters/v1/query`,
      TOKEN,
      { ...body, fields: ['id', 'email'] },
    );
    assert.equal(email.status, 403, JSON.stringify(email.body));
    assert.match(email.body.error.message, /fields\[1\]: field "email"/);

    const platform = `${E2E_BASE}/api/platform/v1`;
    for (const [method, url, payload] of [
      ['POST', `${platform}/retention/run`, {}],
      ['POST', `${platform}/dead-letters/replay`, { dryRun: true }],
      ['POST', `${platform}/qa/run`, {}],
      ['GET', `${platform}/audit/export`],
      ['GET', `${platform}/audit`],
      [
        'POST',
        `${E2E_BASE}/api/catalog/locations`,
        { type: 'url', target: 'https://git.example/x/catalog-info.yaml' },
      ],
    ]) {
      const refused = await callJson(method, url, TOKEN, payload);
      assert.equal(
        refused.status,
        403,
        `${method} ${url}: ${JSON.stringify(refused.body)}`,
      );
    }
    // A plugin its restrictions do not name refuses the token outright.
    const search = await callJson(
      'GET',
      `${E2E_BASE}/api/search/query?term=export`,
      TOKEN,
    );
    assert.equal(search.status, 403, JSON.stringify(search.body));
  });

  it("runs the platform's retention purge over other families' data too (the authz decision log)", async () => {
    const priya = await devUserToken('priya.raman');
    const run = await callJson(
      'POST',
      `${E2E_BASE}/api/platform/v1/retention/run`,
      priya.token,
      {},
    );
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const deleted = dataClass =>
      run.body.results.find(r => r.dataClass === dataClass).deleted;
    // nothing is old enough in the demo data: counted, and zero
    assert.equal(deleted('audit')['authz.decisions'], 0);
    for (const name of [
      'authz.shadow_decisions',
      'authz.portal_decisions',
      'authz.decision_latency_minutes',
    ]) {
      assert.equal(deleted('operational')[name], 0, name);
    }
  });

  it('lets only platform admins register catalog locations, and ignores teams and users from them (issue 8 item 1)', async t => {
    // The file is served over HTTP, as a repository would serve it.
    const fixture = readFileSync(
      join(repoRoot, 'e2e', 'fixtures', 'registered-org-claims.yaml'),
    );
    const server = createServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'text/yaml' }).end(fixture);
    });
    await new Promise(done => server.listen(7199, '127.0.0.1', done));
    t.after(() => server.close());
    const location = {
      type: 'url',
      target: 'http://127.0.0.1:7199/catalog-info.yaml',
    };
    const maya = await devUserToken('maya.cohen');
    const refused = await callJson(
      'POST',
      `${E2E_BASE}/api/catalog/locations`,
      maya.token,
      location,
    );
    assert.equal(refused.status, 403, JSON.stringify(refused.body));

    const annaBefore = await devUserToken('anna.berg');
    const priya = await devUserToken('priya.raman');
    const registered = await callJson(
      'POST',
      `${E2E_BASE}/api/catalog/locations`,
      priya.token,
      location,
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    try {
      // Once the file is processed, its Component is in and its Group and User are refused.
      await waitFor(
        'the registered file to be processed',
        async () =>
          (
            await callJson(
              'GET',
              `${E2E_BASE}/api/catalog/entities/by-name/component/default/e2e-registered-probe`,
              TOKEN,
            )
          ).status === 200,
        { timeoutMs: 60_000 },
      );
      for (const ref of [
        'group/default/shadow-admins',
        'user/default/mallory',
      ]) {
        const entity = await callJson(
          'GET',
          `${E2E_BASE}/api/catalog/entities/by-name/${ref}`,
          TOKEN,
        );
        assert.equal(entity.status, 404, `${ref} must be refused`);
      }
      const mallory = await fetch(`${E2E_BASE}/api/auth/dev-user/refresh`, {
        headers: { 'x-portal-dev-user': 'mallory' },
      });
      assert.equal(mallory.status, 404);

      // anna.berg's team (collaboration) has no account access; nothing registered changes it.
      const anna = await devUserToken('anna.berg');
      assert.deepEqual(
        anna.identity.ownershipEntityRefs,
        annaBefore.identity.ownershipEntityRefs,
      );
      const query = await callJson(
        'POST',
        `${E2E_BASE}/api/filters/v1/query`,
        anna.token,
        {
          dataset: 'events',
          accountId: demoAccountId(1),
          filter: { combinator: 'and', rules: [] },
          limit: 5,
        },
      );
      assert.equal(query.status, 403, JSON.stringify(query.body));
    } finally {
      const removed = await callJson(
        'DELETE',
        `${E2E_BASE}/api/catalog/locations/${registered.body.location.id}`,
        priya.token,
      );
      assert.equal(removed.status, 204, JSON.stringify(removed.body));
    }
  });

  it('lets a feature-team engineer sign in and browse teams, services and API consumers', async () => {
    const browser = await launchChromium();
    const { page, pageErrors, signIn } = await openPortalAs(browser, {
      search: 'maya',
      displayName: 'Maya Cohen',
    });
    try {
      await page.screenshot({ path: join(artifacts, '01-sign-in.png') });
      await signIn();
      await page
        .getByText('Consumers counted from catalog relations')
        .waitFor();
      await page.screenshot({ path: join(artifacts, '02-home.png') });

      // The sign-in is remembered, so full page loads stay signed in.
      await page.goto(
        `${E2E_BASE}/catalog?filters%5Bkind%5D=group&filters%5Buser%5D=all`,
      );
      for (const team of TEAM_TITLES) {
        await page
          .getByRole('link', { name: team, exact: true })
          .first()
          .waitFor();
      }
      await page.screenshot({
        path: join(artifacts, '03-catalog-teams.png'),
        fullPage: true,
      });

      await page.goto(
        `${E2E_BASE}/catalog?filters%5Bkind%5D=component&filters%5Btype%5D=platform-service&filters%5Buser%5D=all`,
      );
      for (const service of SERVICE_TITLES) {
        await page
          .getByRole('link', { name: service, exact: true })
          .first()
          .waitFor();
      }
      await page.screenshot({
        path: join(artifacts, '04-platform-services.png'),
        fullPage: true,
      });

      await page.goto(`${E2E_BASE}/catalog/default/api/permissions-check-api`);
      // The "Consumers" card: the nearest ancestor of its title that holds a table.
      const consumersCard = page
        .getByText('Consumers', { exact: true })
        .first()
        .locator('xpath=ancestor::*[.//table][1]');
      await consumersCard.scrollIntoViewIfNeeded();
      const consumerTitles = [
        'Dashboard API',
        'Report service',
        'Explore API',
        'Connector service',
        'Billing service',
        'Account & SSO service',
        'Sharing service',
      ];
      for (const consumer of consumerTitles) {
        await consumersCard
          .getByRole('link', { name: consumer, exact: true })
          .waitFor();
      }
      await page.screenshot({ path: join(artifacts, '05-api-consumers.png') });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
