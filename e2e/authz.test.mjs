// The permission service in the real portal backend (started as `npm start` does, on the test
// Postgres): the repository policy is revision 1, a signed-in engineer may check itself, may
// read revisions but not change them, and the API refuses claims about other subjects.
// In Chromium: the Policies playground decides as the source is edited, and replay of the
// recorded decisions against the edited candidate shows the ones that flip; a catalog user is
// picked with their teams; the portal policy (a stored revision) is edited and replayed against
// the decisions the permission backend recorded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  callJson,
  devUserToken,
  E2E_BASE,
  launchChromium,
  openPortalAs,
  portalBackendForSuite,
  repoRoot,
} from './lib.mjs';

const TOKEN = 'e2e-static-token-authz-3c9d';
const artifacts = join(repoRoot, 'e2e', 'artifacts');
const api = path => `${E2E_BASE}/api/authz/v1${path}`;

describe('permission service (authz) in the real backend', () => {
  const suite = portalBackendForSuite('authz', {
    token: TOKEN,
    env: {
      PORTAL_DEMO_EVENT_ROWS: '2000',
    },
  });

  it('decides a self check with the active revision and the deciding rule', async () => {
    const { token, identity } = await devUserToken('maya.cohen');
    const self = identity.userEntityRef;
    const unauthenticated = await callJson(
      'POST',
      api('/check'),
      undefined,
      {},
    );
    assert.equal(unauthenticated.status, 401);

    const revisions = await callJson('GET', api('/revisions'), token);
    assert.equal(revisions.status, 200, JSON.stringify(revisions.body));
    const active = revisions.body.revisions.find(r => r.active);
    assert.ok(active, 'an active revision');

    const check = {
      subject: { type: 'portal-user', id: self },
      action: 'dashboard.read',
      resource: { type: 'dashboard', id: 'd-1' },
    };
    const decided = await callJson('POST', api('/check'), token, check);
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.equal(decided.body.allowed, false);
    assert.equal(decided.body.reason, 'tenant_isolation');
    assert.equal(decided.body.policyRevision, active.sha256);

    const batch = await callJson('POST', api('/check/batch'), token, {
      checks: [
        check,
        {
          ...check,
          subject: { type: 'portal-user', id: 'user:default/someone-else' },
        },
      ],
    });
    assert.equal(batch.status, 403);
    assert.match(batch.body.error.message, /body\.checks\[1\]\.subject\.id/);

    const tooMany = await callJson('POST', api('/check/batch'), token, {
      checks: Array.from({ length: 1001 }, () => check),
    });
    assert.equal(tooMany.status, 400);
    assert.match(JSON.stringify(tooMany.body.error), /checks/);
  });

  it('an engineer may not change policy revisions; the static token may not use the service', async () => {
    const { token } = await devUserToken('maya.cohen');
    const create = await callJson('POST', api('/revisions'), token, {
      modules: {
        'a.rego':
          'package product.authz\ndecision := {"allowed": true, "reason": "x"}',
      },
    });
    assert.equal(create.status, 403, JSON.stringify(create.body));
    const scripted = await callJson('GET', api('/revisions'), TOKEN);
    assert.equal(scripted.status, 403, JSON.stringify(scripted.body));
  });

  it('Policies playground: edit the policy, see the decision change, replay shows the flips (Chromium)', async () => {
    // recorded decisions to replay: an engineer's own checks (the policy denies: no account)
    const { token, identity } = await devUserToken('maya.cohen');
    const self = identity.userEntityRef;
    const seeded = await callJson('POST', api('/check/batch'), token, {
      checks: Array.from({ length: 3 }, (_, i) => ({
        subject: { type: 'portal-user', id: self },
        action: 'dashboard.read',
        resource: { type: 'dashboard', id: `e2e-replay-${i}` },
      })),
    });
    assert.equal(seeded.status, 200, JSON.stringify(seeded.body));
    assert.deepEqual(
      seeded.body.decisions.map(d => d.reason),
      ['tenant_isolation', 'tenant_isolation', 'tenant_isolation'],
    );

    const browser = await launchChromium();
    try {
      const { page, pageErrors, signIn } = await openPortalAs(browser, {
        search: 'maya',
        displayName: 'Maya Cohen',
      });
      await signIn();
      await page.getByRole('link', { name: 'Policies' }).click();
      const editor = page.getByLabel('Rego source');
      await editor.waitFor();
      // a product user reading another account's dashboard: tenant isolation denies
      await page.getByLabel('Resource account').fill('acct-2');
      const decision = page.getByTestId('decision');
      await decision
        .getByText('DENIED — reason tenant_isolation')
        .waitFor({ timeout: 30_000 });

      // a syntax error shows file:line:column while typing (the editor is CodeMirror, which
      // renders only the visible lines: the starting source comes from the active revision)
      const revisions = await callJson('GET', api('/revisions'), token);
      const active = revisions.body.revisions.find(r => r.active);
      const revision = await callJson(
        'GET',
        api(`/revisions/${active.id}`),
        token,
      );
      const source = revision.body.modules['authz.rego'];
      assert.ok(
        (await editor.innerText()).startsWith(source.split('\n')[0]),
        'the editor shows the active revision',
      );
      await editor.fill(`${source}\nbroken if {`);
      await page
        .getByTestId('compile-errors')
        .getByText(/^authz\.rego:\d+:\d+: /)
        .first()
        .waitFor({ timeout: 30_000 });
      // and is marked in the editor's gutter at its line
      await page.locator('.cm-lint-marker-error').first().waitFor();

      // the edit: dashboard reads are open to everyone
      const first =
        'decision := {"allowed": false, "reason": "tenant_isolation"} if {';
      assert.ok(source.includes(first), 'the product policy starts its chain');
      await editor.fill(
        source.replace(
          first,
          'decision := {"allowed": true, "reason": "open_read"} if {\n\tinput.action == "dashboard.read"\n} else := {"allowed": false, "reason": "tenant_isolation"} if {',
        ),
      );
      await decision
        .getByText('ALLOWED — reason open_read')
        .waitFor({ timeout: 30_000 });

      await page
        .getByRole('button', { name: 'Replay against this candidate' })
        .click();
      const replay = page.getByTestId('replay-result');
      await replay.getByText(/\d+ of \d+ replayed decisions flip/).waitFor({
        timeout: 60_000,
      });
      const summary = await replay
        .getByText(/\d+ of \d+ replayed decisions flip/)
        .innerText();
      const flipped = Number(summary.split(' ')[0]);
      assert.ok(flipped >= 3, summary);
      for (const i of [0, 1, 2]) {
        await replay.getByText(`dashboard:e2e-replay-${i}`).first().waitFor();
      }
      await page.screenshot({
        path: join(artifacts, 'policies-replay.png'),
        fullPage: true,
      });
      await page.getByRole('tab', { name: 'Decision log' }).click();
      await page.getByTestId('decision-log').waitFor();
      await page.getByRole('tab', { name: 'Shadow mode' }).click();
      await page.getByText('Discrepancy rate per team').waitFor();
      await page.getByRole('tab', { name: 'Diff revisions' }).click();
      await page.getByTestId('revision-diff').waitFor();
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });

  it('portal users: catalog teams in the input builder; the portal policy as a stored revision, in the playground and replayed (Chromium)', async () => {
    const { token } = await devUserToken('maya.cohen');
    // the repository's policies/portal is the seeded, active portal revision
    const portal = await callJson(
      'GET',
      api('/revisions?policy=portal'),
      token,
    );
    assert.equal(portal.status, 200, JSON.stringify(portal.body));
    const seeded = portal.body.revisions.find(r => r.active);
    assert.equal(seeded?.author, 'system:repository');
    assert.equal(seeded.entrypoint, 'portal/authz/decision');
    // catalog users with the teams the organisation's locations vouch for
    const users = await callJson('GET', api('/portal-users?q=maya'), token);
    assert.equal(users.status, 200, JSON.stringify(users.body));
    const maya = users.body.users.find(
      u => u.ref === 'user:default/maya.cohen',
    );
    assert.deepEqual(maya.teams, ['group:default/dashboards']);
    assert.equal(maya.accountAccess, '*');

    const browser = await launchChromium();
    try {
      const { page, pageErrors, signIn } = await openPortalAs(browser, {
        search: 'maya',
        displayName: 'Maya Cohen',
      });
      await signIn();
      await page.getByRole('link', { name: 'Policies' }).click();
      const editor = page.getByLabel('Rego source');
      await editor.waitFor();
      await page.getByLabel('Subject type').click();
      await page.getByRole('option', { name: 'portal-user' }).click();
      await page.getByLabel('Catalog user').click();
      await page
        .getByRole('option', { name: 'Maya Cohen (dashboards)' })
        .click();
      await page
        .getByTestId('portal-user-attributes')
        .getByText('Teams: dashboards')
        .waitFor();
      const decision = page.getByTestId('decision');
      await decision
        .getByText('DENIED — reason tenant_isolation')
        .waitFor({ timeout: 30_000 });
      // the edit: members of the dashboards team read dashboards
      const revisions = await callJson('GET', api('/revisions'), token);
      const active = revisions.body.revisions.find(r => r.active);
      const source = (
        await callJson('GET', api(`/revisions/${active.id}`), token)
      ).body.modules['authz.rego'];
      const first =
        'decision := {"allowed": false, "reason": "tenant_isolation"} if {';
      await editor.fill(
        source.replace(
          first,
          'decision := {"allowed": true, "reason": "dashboards_team"} if {\n\t"group:default/dashboards" in input.subject.teams\n} else := {"allowed": false, "reason": "tenant_isolation"} if {',
        ),
      );
      await decision
        .getByText('ALLOWED — reason dashboards_team')
        .waitFor({ timeout: 30_000 });
      await page.screenshot({
        path: join(artifacts, 'policies-catalog-user.png'),
        fullPage: true,
      });

      // the portal policy in the playground: Maya may not change policy revisions (test 2 was
      // such a denial, recorded by the permission backend for replay)
      const portalActive = portal.body.revisions.find(r => r.active);
      const portalSource = (
        await callJson('GET', api(`/revisions/${portalActive.id}`), token)
      ).body.modules['portal.rego'];
      await page.getByLabel('Policy').click();
      await page
        .getByRole('option', { name: 'portal (Backstage permissions)' })
        .click();
      await editor.waitFor();
      await page.getByLabel('Catalog user').click();
      await page
        .getByRole('option', { name: 'Maya Cohen (dashboards)' })
        .click();
      await page
        .getByLabel('Permission', { exact: true })
        .fill('authz.policy.manage');
      await page.getByLabel('Permission action').click();
      await page.getByRole('option', { name: 'update' }).click();
      await decision
        .getByText('DENY — reason portal_mutation_admin_only')
        .waitFor({ timeout: 30_000 });
      const mutation =
        '{"result": "DENY", "reason": "portal_mutation_admin_only"}';
      assert.ok(
        portalSource.includes(mutation),
        'the portal policy has the rule',
      );
      await editor.fill(
        portalSource.replace(
          mutation,
          '{"result": "ALLOW", "reason": "open_mutation"}',
        ),
      );
      await decision
        .getByText('ALLOW — reason open_mutation')
        .waitFor({ timeout: 30_000 });
      await page
        .getByRole('button', { name: 'Replay against this candidate' })
        .click();
      const replay = page.getByTestId('replay-result');
      const flipLine = replay.getByText(/\d+ of \d+ replayed decisions flip/);
      await flipLine.waitFor({ timeout: 60_000 });
      assert.ok(
        Number((await flipLine.innerText()).split(' ')[0]) >= 1,
        await flipLine.innerText(),
      );
      await replay.getByText('authz.policy.manage').first().waitFor();
      await page.screenshot({
        path: join(artifacts, 'policies-portal-replay.png'),
        fullPage: true,
      });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  });
});
