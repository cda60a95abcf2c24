// The permission service in the real portal backend (started as `npm start` does, on the test
// Postgres): the repository policy is revision 1, a signed-in engineer may check itself, may
// read revisions but not change them, and the API refuses claims about other subjects.
// (The policy playground page is not built yet: no browser part here.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  E2E_BASE,
  callJson,
  devUserToken,
  externalPostgresEnv,
  repoRoot,
  startPortalBackend,
  waitForCatalog,
} from './lib.mjs';

const TOKEN = 'e2e-static-token-authz-3c9d';
const artifacts = join(repoRoot, 'e2e', 'artifacts');
const api = path => `${E2E_BASE}/api/authz/v1${path}`;

describe('permission service (authz) in the real backend', () => {
  let backend;
  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    backend = startPortalBackend(
      {
        ...externalPostgresEnv(),
        PORTAL_API_TOKEN: TOKEN,
        PORTAL_DEMO_EVENT_ROWS: '2000',
      },
      createWriteStream(join(artifacts, 'backend-authz.log')),
    );
    // The development sign-in resolves users from the catalog: wait for ingestion.
    await waitForCatalog(E2E_BASE, TOKEN, backend);
  });
  after(async () => {
    assert.equal(await backend?.stop(), 0);
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
});
