// The filter engine inside the real portal: an SRE previews a tenant's events in the Data
// explorer (PII visible), a feature-team engineer gets the same rows without PII, and a team
// without customer-account access is refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

const TOKEN = 'e2e-static-token-explorer-5d2e';
const artifacts = join(repoRoot, 'e2e', 'artifacts');

async function userToken(name) {
  return (await devUserToken(name)).token;
}

function query(token, body) {
  return callJson('POST', `${E2E_BASE}/api/filters/v1/query`, token, body);
}

describe('Data explorer and Platform health in the real portal', () => {
  const account = demoAccountId(1);
  const suite = portalBackendForSuite('explorer', {
    token: TOKEN,
    env: {
      PORTAL_DEMO_EVENT_ROWS: '20000',
    },
  });

  it('applies roles from catalog teams: PII for SRE, hidden for engineers, no account access for collaboration', async () => {
    const body = {
      dataset: 'events',
      accountId: account,
      filter: {
        combinator: 'and',
        rules: [{ field: 'event_type', operator: 'eq', value: 'user.login' }],
      },
      limit: 50,
    };
    const sre = await query(await userToken('grace.liu'), body);
    assert.equal(sre.status, 200, JSON.stringify(sre.body));
    assert.ok(sre.body.rows.length > 0);
    assert.ok(sre.body.fields.includes('email'));
    for (const row of sre.body.rows) {
      assert.equal(row.account_id ?? account, account);
      assert.equal(row.event_type, 'user.login');
    }

    const engineer = await query(await userToken('maya.cohen'), body);
    assert.equal(engineer.status, 200, JSON.stringify(engineer.body));
    assert.ok(!engineer.body.fields.includes('email'));
    assert.deepEqual(engineer.body.omittedFields, ['email']);
    assert.deepEqual(
      engineer.body.rows.map(r => r.id),
      sre.body.rows.map(r => r.id),
    );

    const refused = await query(await userToken('anna.berg'), body);
    assert.equal(refused.status, 403);
    assert.match(JSON.stringify(refused.body), /accountId/);

    // A script with the static token acts as a service principal; its event names that actor
    // and passes the event contract (it reaches the event log, not the dead-letter).
    const scripted = await query(TOKEN, body);
    assert.equal(scripted.status, 200, JSON.stringify(scripted.body));
    const sreToken = await userToken('grace.liu');
    const logged = await waitFor(
      'the scripted filter.applied event in the event log',
      async () => {
        const { events } = await getJson(
          `${E2E_BASE}/api/platform/v1/events?types=filter.applied&userId=service:portal-api-token`,
          sreToken,
        );
        return events.length > 0 ? events : undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(logged[0].account_id, account);

    // Account search for pickers: by name, only accounts the caller may act for.
    const byId = await getJson(
      `${E2E_BASE}/api/filters/v1/accounts?q=${account}`,
      sreToken,
    );
    assert.equal(byId.accounts.length, 1);
    const { name } = byId.accounts[0];
    const byName = await getJson(
      `${E2E_BASE}/api/filters/v1/accounts?q=${encodeURIComponent(name)}`,
      sreToken,
    );
    assert.ok(byName.accounts.some(a => a.id === account));
    for (const a of byName.accounts) {
      assert.ok(['enterprise', 'mid_market'].includes(a.plan));
      assert.ok(['us', 'eu'].includes(a.region));
    }
    const collaboration = await getJson(
      `${E2E_BASE}/api/filters/v1/accounts?q=${encodeURIComponent(name)}`,
      await userToken('anna.berg'),
    );
    assert.deepEqual(collaboration.accounts, []);

    const invalid = await query(await userToken('grace.liu'), {
      ...body,
      filter: {
        combinator: 'and',
        rules: [{ field: 'amount', operator: 'gt', value: 'lots' }],
      },
    });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.error.message, /rules\[0\]\.value/);
  });

  it("lets an SRE preview a tenant's rows in the browser", async () => {
    const browser = await launchChromium();
    const { page, pageErrors, signIn } = await openPortalAs(browser, {
      search: 'grace',
      displayName: 'Grace Liu',
    });
    try {
      await signIn();
      const { accounts } = await getJson(
        `${E2E_BASE}/api/filters/v1/accounts?q=${account}`,
        await userToken('grace.liu'),
      );
      const { name } = accounts[0];
      await page.getByRole('link', { name: 'Data explorer' }).click();
      // Pick the account by name in the account picker (plan and region shown).
      await page.getByLabel('Account').fill(name);
      await page
        .getByRole('option', { name: new RegExp(`^${name}`) })
        .first()
        .click();
      await page.getByText(account, { exact: false }).first().waitFor();
      await page.getByRole('button', { name: 'Preview rows' }).click();
      await page.getByText('Measured by the filter engine at').waitFor();
      await page
        .getByText(/^\d+ rows/)
        .first()
        .waitFor();
      await page.screenshot({ path: join(artifacts, '10-data-explorer.png') });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });

  it('records the queries as events, audit records and telemetry, shown on Platform health', async () => {
    const metrics = await fetch(`${E2E_BASE}/api/platform/metrics`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /process_cpu_user_seconds_total/);
    assert.equal((await fetch(`${E2E_BASE}/api/platform/metrics`)).status, 401);

    const verify = await fetch(`${E2E_BASE}/api/platform/v1/audit/verify`, {
      headers: { Authorization: `Bearer ${await userToken('grace.liu')}` },
    });
    assert.equal(verify.status, 200, await verify.clone().text());
    const engineerAudit = await fetch(
      `${E2E_BASE}/api/platform/v1/audit/verify`,
      {
        headers: { Authorization: `Bearer ${await userToken('maya.cohen')}` },
      },
    );
    assert.equal(
      engineerAudit.status,
      403,
      'audit is for Platform Services and SRE only',
    );

    const browser = await launchChromium();
    const { page, pageErrors, signIn } = await openPortalAs(browser, {
      search: 'grace',
      displayName: 'Grace Liu',
      viewport: { width: 1400, height: 1600 },
    });
    try {
      await signIn();
      await page.getByRole('link', { name: 'Platform health' }).click();
      for (const card of [
        'Dead letters',
        'Audit chain',
        'Data QA checks (last 24 h)',
        'Telemetry (last 24 h)',
      ]) {
        await page.getByText(card, { exact: true }).first().waitFor();
      }
      await page.screenshot({
        path: join(artifacts, '11-platform-health.png'),
        fullPage: true,
      });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
