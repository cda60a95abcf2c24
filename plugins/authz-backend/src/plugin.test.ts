import request from 'supertest';
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { seedProductData } from '@internal/dev-database';
import { AuditRecordInput } from '@internal/plugin-platform-common';
import {
  hubWithMemorySink,
  passthroughRequestTelemetry,
  permissionsByRule,
  recordingEvents,
  RecordedEvent,
} from '@internal/plugin-platform-node/testUtils';
import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import * as path from 'node:path';
import {
  authzServiceRef,
  defaultPolicyRoot,
  readPolicyDirectory,
} from '@internal/plugin-authz-node';
import { compileRego } from '@internal/rego-wasm';
import { gzipSync } from 'node:zlib';
import { authzPlugin } from './plugin';
import {
  histogramsCountedFromLog,
  storedHistograms,
} from './service/testing/latencyHistograms';

/** A minimal ustar archive, gzipped: what `opa build` writes. */
function tarGz(files: Record<string, string | Uint8Array>): Uint8Array {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    header.fill(' ', 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return new Uint8Array(gzipSync(Buffer.concat(blocks)));
}

jest.setTimeout(120_000);

const OUTSIDER = 'user:default/outsider';
const ENGINEER = 'user:default/engineer';
const PRODUCT_API = 'external:analytics-api';

interface AuditedEvent {
  eventId: string;
  severityLevel: string;
  meta: { checks: number; denied: number; decisions: { reason: string }[] };
  committed: boolean;
}

const audited: AuditedEvent[] = [];

/** Another backend plugin of the same process deciding through the in-process SDK. */
const sdkProbe = createBackendPlugin({
  pluginId: 'sdkprobe',
  register(env) {
    env.registerInit({
      deps: { authz: authzServiceRef, httpRouter: coreServices.httpRouter },
      async init({ authz, httpRouter }) {
        const router = Router();
        router.use(express.json());
        router.post('/check', async (req, res) => {
          res.json(await authz.check(req.body));
        });
        httpRouter.addAuthPolicy({ path: '/check', allow: 'unauthenticated' });
        httpRouter.use(router);
      },
    });
  },
});
// what reached the platform audit store and event log of either instance
const auditStore: AuditRecordInput[] = [];
const events: RecordedEvent[] = [];

async function startAuthz(connection: JsonObject, pluginKnex: Knex) {
  const backend = await startTestBackend({
    features: [
      authzPlugin,
      sdkProbe,
      mockServices.database.factory({ knex: pluginKnex }),
      mockServices.rootConfig.factory({
        data: {
          platform: { productDatabase: { connection } },
          authz: { productUserCallers: [PRODUCT_API] },
        },
      }),
      permissionsByRule(
        (_request, principal) =>
          !(principal.type === 'user' && principal.userEntityRef === OUTSIDER),
      ),
      createServiceFactory({
        service: coreServices.auditor,
        deps: {},
        factory: () => ({
          async createEvent(options: any) {
            const event: AuditedEvent = {
              eventId: options.eventId,
              severityLevel: options.severityLevel,
              meta: options.meta,
              committed: false,
            };
            return {
              async success() {
                event.committed = true;
                audited.push(event);
              },
              async fail() {
                audited.push(event);
              },
            };
          },
        }),
      }),
      passthroughRequestTelemetry,
      recordingEvents(events),
      hubWithMemorySink(auditStore),
    ],
  });
  return backend.server;
}

describe('authz backend plugin (real Postgres product data)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let server: any;
  let replica: any;
  let pluginDb: Knex;
  let knex: Knex;
  let admin: { id: string; account_id: string };
  let viewer: { id: string; account_id: string };
  let otherAccount: string;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await seedProductData(knex, { eventRows: 0 });
    admin = await knex('users')
      .join('accounts', 'accounts.id', 'users.account_id')
      .where({ role: 'admin', plan: 'enterprise' })
      .first('users.id', 'users.account_id');
    viewer = await knex('users')
      .where({ role: 'viewer', account_id: admin.account_id })
      .first('id', 'account_id');
    otherAccount = (
      await knex('accounts').whereNot('id', admin.account_id).first('id')
    ).id;
    const c = knex.client.config.connection as Knex.PgConnectionConfig;
    const connection = {
      host: String(c.host),
      port: Number(c.port),
      user: String(c.user),
      password: String(c.password),
      database: String(c.database),
    };
    pluginDb = await databases.init('POSTGRES_18');
    server = await startAuthz(connection, pluginDb);
    replica = await startAuthz(connection, pluginDb);
  });

  const asService = (subject = PRODUCT_API) => ({
    Authorization: mockCredentials.service.header({
      onBehalfOf: mockCredentials.service(subject),
      targetPluginId: 'authz',
    }),
  });
  const asUser = (ref: string) => ({
    Authorization: mockCredentials.user.header(ref),
  });
  const productCheck = (
    userId: string,
    action: string,
    account: string,
    extra: Record<string, unknown> = {},
  ) => ({
    subject: { type: 'product-user', id: userId },
    action,
    resource: {
      type: 'dashboard',
      id: 'd-1',
      attributes: { account, ...extra },
    },
  });

  it('answers the open health route without credentials', async () => {
    const res = await request(server).get('/api/authz/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      policyRevision: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('requires authentication', async () => {
    const res = await request(server)
      .post('/api/authz/v1/check')
      .set('Authorization', mockCredentials.none.header())
      .send(productCheck(admin.id, 'dashboard.read', admin.account_id));
    expect(res.status).toBe(401);
  });

  it('decides for a product user loaded from the product database, and logs the decision', async () => {
    const res = await request(server)
      .post('/api/authz/v1/check')
      .set(asService())
      .send(productCheck(admin.id, 'audit.read', admin.account_id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      allowed: true,
      reason: 'role_grants_action',
      cacheHit: false,
    });
    expect(res.body.policyRevision).toMatch(/^[0-9a-f]{64}$/);
    // committed before the answer: readable right away
    const logged = await pluginDb('authz_decisions')
      .where({ decision_id: res.body.decisionId })
      .first();
    expect(logged).toMatchObject({
      caller: `service:${PRODUCT_API}`,
      subject: `product-user:${admin.id}`,
      action: 'audit.read',
      allowed: true,
      reason: 'role_grants_action',
      policy_allowed: true,
      mode: 'enforce',
    });
    const again = await request(server)
      .post('/api/authz/v1/check')
      .set(asService())
      .send(productCheck(admin.id, 'audit.read', admin.account_id));
    expect(again.body).toMatchObject({ allowed: true, cacheHit: true });
  });

  it('logs in-process SDK decisions like HTTP ones, with the calling plugin as caller', async () => {
    const res = await request(server)
      .post('/api/sdkprobe/check')
      .send(productCheck(viewer.id, 'dashboard.delete', admin.account_id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      allowed: false,
      reason: 'role_lacks_action',
    });
    // committed before the SDK answered
    const logged = await pluginDb('authz_decisions')
      .where({ decision_id: res.body.decisionId })
      .first();
    expect(logged).toMatchObject({
      caller: 'plugin:sdkprobe',
      subject: `product-user:${viewer.id}`,
      action: 'dashboard.delete',
      allowed: false,
      policy_allowed: false,
      mode: 'enforce',
    });
    // and, as a denial, in the audit store
    expect(auditStore.map(r => r.meta?.decisionId)).toContain(
      res.body.decisionId,
    );
  });

  it('batch: one decision per check in order, with the deciding rule', async () => {
    const batch = () =>
      request(server)
        .post('/api/authz/v1/check/batch')
        .set(asService())
        .send({
          checks: [
            productCheck(viewer.id, 'dashboard.read', viewer.account_id),
            productCheck(viewer.id, 'dashboard.delete', viewer.account_id),
            productCheck(admin.id, 'dashboard.read', otherAccount),
            productCheck('no-such-user', 'dashboard.read', admin.account_id),
          ],
        });
    const res = await batch();
    expect(res.status).toBe(200);
    expect(res.body.decisions.map((d: any) => [d.allowed, d.reason])).toEqual([
      [true, 'role_grants_action'],
      [false, 'role_lacks_action'],
      [false, 'tenant_isolation'],
      [false, 'tenant_isolation'],
    ]);
    // only a sample of batch answers runs the response validator (at most one of three in a
    // row): the others are the same JSON, sent serialised
    for (const again of [res, await batch(), await batch()]) {
      expect(again.headers['content-type']).toBe(
        'application/json; charset=utf-8',
      );
      expect(Object.keys(again.body)).toEqual(['decisions']);
      expect(again.body.decisions[0]).toEqual({
        allowed: true,
        reason: 'role_grants_action',
        decisionId: expect.any(String),
        policyRevision: expect.any(String),
        cacheHit: expect.any(Boolean),
        mode: 'enforce',
      });
      expect(again.body.decisions.map((d: any) => d.reason)).toEqual(
        res.body.decisions.map((d: any) => d.reason),
      );
    }
    const logged = await pluginDb('authz_decisions')
      .whereIn(
        'decision_id',
        res.body.decisions.map((d: any) => d.decisionId),
      )
      .orderBy('id')
      .select('allowed', 'reason');
    expect(logged.map(r => [r.allowed, r.reason])).toEqual([
      [true, 'role_grants_action'],
      [false, 'role_lacks_action'],
      [false, 'tenant_isolation'],
      [false, 'tenant_isolation'],
    ]);
  });

  it('rejects more than 1,000 checks and malformed checks with 400 naming the field', async () => {
    const check = productCheck(admin.id, 'dashboard.read', admin.account_id);
    const big = await request(server)
      .post('/api/authz/v1/check/batch')
      .set(asService())
      .send({ checks: Array.from({ length: 1001 }, () => check) });
    expect(big.status).toBe(400);
    expect(big.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'body.checks' }),
    ]);
    const bad = await request(server)
      .post('/api/authz/v1/check')
      .set(asService())
      .send({ ...check, action: 'Not An Action' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'body.action' }),
    ]);
  });

  it('only allowed service principals may check product users or pass attributes', async () => {
    const other = await request(server)
      .post('/api/authz/v1/check')
      .set(asService('external:someone-else'))
      .send(productCheck(admin.id, 'dashboard.read', admin.account_id));
    expect(other.status).toBe(403);
    expect(other.body.error.message).toMatch(/body\.subject\.type/);
    const user = await request(server)
      .post('/api/authz/v1/check')
      .set(asUser(ENGINEER))
      .send({
        subject: {
          type: 'portal-user',
          id: ENGINEER,
          attributes: { role: 'admin' },
        },
        action: 'dashboard.read',
        resource: { type: 'dashboard', id: 'x' },
      });
    expect(user.status).toBe(403);
    expect(user.body.error.message).toMatch(/body\.subject\.attributes/);
    const impersonate = await request(server)
      .post('/api/authz/v1/check/batch')
      .set(asUser(ENGINEER))
      .send({
        checks: [
          {
            subject: { type: 'portal-user', id: ENGINEER },
            action: 'dashboard.read',
            resource: { type: 'dashboard', id: 'x' },
          },
          {
            subject: { type: 'portal-user', id: 'user:default/admin' },
            action: 'dashboard.read',
            resource: { type: 'dashboard', id: 'x' },
          },
        ],
      });
    expect(impersonate.status).toBe(403);
    expect(impersonate.body.error.message).toMatch(
      /body\.checks\[1\]\.subject\.id/,
    );
  });

  it('a portal user may check itself (the product policy denies: no account)', async () => {
    const res = await request(server)
      .post('/api/authz/v1/check')
      .set(asUser(ENGINEER))
      .send({
        subject: { type: 'portal-user', id: ENGINEER },
        action: 'dashboard.read',
        resource: { type: 'dashboard', id: 'x' },
      });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      allowed: false,
      reason: 'tenant_isolation',
    });
  });

  it('callers without authz.check.run get 403', async () => {
    const res = await request(server)
      .post('/api/authz/v1/check')
      .set(asUser(OUTSIDER))
      .send({
        subject: { type: 'portal-user', id: OUTSIDER },
        action: 'dashboard.read',
        resource: { type: 'dashboard', id: 'x' },
      });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/authz\.check\.run/);
  });

  describe('shadow mode and enforcement', () => {
    const TEAM = 'dashboards-team';
    const ENDPOINT = 'GET /dashboards/:id';
    const inContext = (check: object, legacyDecision?: boolean) => ({
      ...check,
      context: { team: TEAM, endpoint: ENDPOINT, legacyReason: 'acl table' },
      ...(legacyDecision === undefined ? {} : { legacyDecision }),
    });
    const setMode = (body: object) =>
      request(server)
        .put('/api/authz/v1/enforcement')
        .set(asUser(ENGINEER))
        .send({ team: TEAM, endpoint: ENDPOINT, ...body });

    it('in shadow the answer is always the legacy decision; the policy decision is recorded', async () => {
      expect((await setMode({ mode: 'shadow' })).status).toBe(200);
      const missing = await request(server)
        .post('/api/authz/v1/check')
        .set(asService())
        .send(
          inContext(
            productCheck(viewer.id, 'dashboard.read', viewer.account_id),
          ),
        );
      expect(missing.status).toBe(400);
      expect(missing.body.error.details.issues[0].path).toBe(
        'body.legacyDecision',
      );
      // every combination of legacy answer and policy answer (allow: read, deny: delete)
      const combos = [true, false].flatMap(legacy =>
        ['dashboard.read', 'dashboard.delete'].map(action => ({
          legacy,
          action,
        })),
      );
      const res = await request(server)
        .post('/api/authz/v1/check/batch')
        .set(asService())
        .send({
          checks: combos.map(({ legacy, action }) =>
            inContext(
              productCheck(viewer.id, action, viewer.account_id),
              legacy,
            ),
          ),
        });
      expect(res.status).toBe(200);
      expect(
        res.body.decisions.map((d: any) => [d.allowed, d.reason, d.mode]),
      ).toEqual(
        combos.map(({ legacy }) => [legacy, 'legacy_decision', 'shadow']),
      );
      const stats = await request(server)
        .get(`/api/authz/v1/shadow/stats?team=${TEAM}&hours=1`)
        .set(asUser(ENGINEER));
      expect(stats.status).toBe(200);
      // policy: read allowed, delete denied → legacy true/delete and false/read disagree
      expect(stats.body.stats).toEqual([
        expect.objectContaining({
          team: TEAM,
          endpoint: ENDPOINT,
          checks: 4,
          discrepancies: 2,
          rate: 0.5,
        }),
      ]);
    });

    it('refuses to enforce above the discrepancy bar unless forced with a reason', async () => {
      const refused = await setMode({ mode: 'enforce' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/rate 0\.5 .* above 0\.001/);
      const noReason = await setMode({ mode: 'enforce', force: true });
      expect(noReason.status).toBe(400);
      expect(noReason.body.error.details.issues[0].path).toBe('body.reason');
      const forced = await setMode({
        mode: 'enforce',
        force: true,
        reason: 'legacy ACL is the bug',
      });
      expect(forced.status).toBe(200);
      expect(forced.body).toMatchObject({
        mode: 'enforce',
        updatedBy: ENGINEER,
        reason: 'legacy ACL is the bug',
      });
      expect(
        audited.filter(e => e.eventId === 'enforcement-mode-change').length,
      ).toBeGreaterThanOrEqual(3);
      // the other replica follows the flip: the policy answers, not the legacy decision
      const started = Date.now();
      let seen: any;
      while (Date.now() - started < 1000) {
        seen = (
          await request(replica)
            .post('/api/authz/v1/check')
            .set(asService())
            .send(
              inContext(
                productCheck(viewer.id, 'dashboard.delete', viewer.account_id),
                true,
              ),
            )
        ).body;
        if (seen.mode === 'enforce') break;
        await new Promise(r => setTimeout(r, 10));
      }
      expect(seen).toMatchObject({
        allowed: false,
        reason: 'role_lacks_action',
        mode: 'enforce',
      });
    });

    it('off answers the legacy decision without evaluating or recording', async () => {
      expect((await setMode({ mode: 'off' })).status).toBe(200);
      const shadowChecks = async () =>
        (
          await request(server)
            .get(`/api/authz/v1/shadow/stats?team=${TEAM}&hours=1`)
            .set(asUser(ENGINEER))
        ).body.stats[0].checks;
      // the previous test's replica may have recorded one more shadow check before it saw the flip
      const recordedBefore = await shadowChecks();
      expect(recordedBefore).toBeGreaterThanOrEqual(4);
      const res = await request(server)
        .post('/api/authz/v1/check')
        .set(asService())
        .send(
          inContext(
            productCheck(viewer.id, 'dashboard.delete', viewer.account_id),
            true,
          ),
        );
      expect(res.body).toMatchObject({
        allowed: true,
        reason: 'legacy_decision',
        mode: 'off',
        cacheHit: false,
      });
      expect(await shadowChecks()).toBe(recordedBefore);
      const list = await request(server)
        .get('/api/authz/v1/enforcement')
        .set(asUser(ENGINEER));
      expect(list.body.settings).toEqual([
        expect.objectContaining({
          team: TEAM,
          endpoint: ENDPOINT,
          mode: 'off',
        }),
      ]);
    });
  });

  describe('decision log and replay', () => {
    const TEAM = 'reports-team';
    const teamCheck = (userId: string, action: string, account: string) => ({
      ...productCheck(userId, action, account),
      context: { team: TEAM, endpoint: 'GET /reports/:id' },
    });

    it('every answered decision of concurrent requests is in the log (count equals checks)', async () => {
      const before = await pluginDb('authz_decisions').count({ n: '*' });
      const singles = Array.from({ length: 60 }, (_, i) =>
        request(i % 2 ? server : replica)
          .post('/api/authz/v1/check')
          .set(asService())
          .send(
            productCheck(
              i % 3 ? viewer.id : admin.id,
              i % 4 ? 'dashboard.read' : 'dashboard.delete',
              admin.account_id,
            ),
          ),
      );
      const batches = Array.from({ length: 10 }, (_, i) =>
        request(i % 2 ? server : replica)
          .post('/api/authz/v1/check/batch')
          .set(asService())
          .send({
            checks: Array.from({ length: 50 }, (_x, k) =>
              productCheck(viewer.id, 'report.read', admin.account_id, {
                n: k,
              }),
            ),
          }),
      );
      const responses = await Promise.all([...singles, ...batches]);
      expect(responses.every(r => r.status === 200)).toBe(true);
      const ids = responses.flatMap(r =>
        r.body.decisions
          ? r.body.decisions.map((d: any) => d.decisionId)
          : [r.body.decisionId],
      );
      expect(ids).toHaveLength(60 + 10 * 50);
      const after = await pluginDb('authz_decisions').count({ n: '*' });
      expect(Number(after[0].n) - Number(before[0].n)).toBe(ids.length);
      const present = await pluginDb('authz_decisions')
        .whereIn('decision_id', ids)
        .count({ n: '*' });
      expect(Number(present[0].n)).toBe(ids.length);
      // every denial is in the audit store and has its permission.denied event
      const denied = responses
        .flatMap(r => r.body.decisions ?? [r.body])
        .filter((d: any) => !d.allowed)
        .map((d: any) => d.decisionId);
      expect(denied.length).toBeGreaterThan(0);
      const inAudit = new Set(auditStore.map(r => r.meta?.decisionId));
      expect(denied.filter((id: string) => !inAudit.has(id))).toEqual([]);
      const deniedEvents = events.filter(
        e => e.name === 'permission.denied.v2',
      );
      expect(deniedEvents.length).toBeGreaterThanOrEqual(denied.length);
    });

    it('latency: HTTP and SDK policy decisions carry latency_us; per-minute histograms equal a direct count', async () => {
      const check = (n: number) =>
        productCheck(viewer.id, 'dashboard.read', admin.account_id, {
          latency: n,
        });
      const first = await request(server)
        .post('/api/authz/v1/check/batch')
        .set(asService())
        .send({ checks: [check(1), check(2), check(1)] });
      const cached = await request(server)
        .post('/api/authz/v1/check')
        .set(asService())
        .send(check(2));
      const sdk = await request(server)
        .post('/api/sdkprobe/check')
        .send(check(3));
      expect(cached.body.cacheHit).toBe(true);
      const ids = [
        ...first.body.decisions.map((d: any) => d.decisionId),
        cached.body.decisionId,
        sdk.body.decisionId,
      ];
      const logged: { latency_us: number | null; cache_hit: boolean }[] =
        await pluginDb('authz_decisions')
          .whereIn('decision_id', ids)
          .select('latency_us', 'cache_hit');
      expect(logged).toHaveLength(5);
      logged.forEach(row => {
        expect(row.latency_us).not.toBeNull();
        expect(row.latency_us).toBeGreaterThanOrEqual(0);
      });
      // the latency is the evaluator's, not the answer's: not in the response
      expect(cached.body).not.toHaveProperty('latencyUs');
      // every decision logged so far by both replicas, misses and hits
      expect(await storedHistograms(pluginDb)).toEqual(
        await histogramsCountedFromLog(pluginDb),
      );
      // policy decisions without a latency: none (only `off` ones have none)
      const missing = await pluginDb('authz_decisions')
        .whereNull('latency_us')
        .whereNotNull('policy_allowed')
        .count({ n: '*' });
      expect(Number(missing[0].n)).toBe(0);
    });

    it('queries by subject, action, outcome and team, newest first with paging; exports NDJSON', async () => {
      const res = await request(server)
        .post('/api/authz/v1/check/batch')
        .set(asService())
        .send({
          checks: [
            teamCheck(viewer.id, 'report.read', viewer.account_id),
            teamCheck(viewer.id, 'user.manage', viewer.account_id),
            teamCheck(viewer.id, 'user.manage', otherAccount),
          ],
        });
      expect(res.status).toBe(200);
      const denied = await request(server)
        .get(
          `/api/authz/v1/decisions?team=${TEAM}&outcome=denied&subject=product-user:${viewer.id}&limit=1`,
        )
        .set(asUser(ENGINEER));
      expect([denied.status, denied.body]).toEqual([200, expect.anything()]);
      expect(denied.body.decisions).toEqual([
        expect.objectContaining({
          team: TEAM,
          action: 'user.manage',
          allowed: false,
          reason: 'tenant_isolation',
          decisionId: res.body.decisions[2].decisionId,
        }),
      ]);
      const next = await request(server)
        .get(
          `/api/authz/v1/decisions?team=${TEAM}&outcome=denied&limit=1&before=${denied.body.nextBefore}`,
        )
        .set(asUser(ENGINEER));
      expect(next.body.decisions).toEqual([
        expect.objectContaining({ reason: 'role_lacks_action' }),
      ]);
      const byAction = await request(server)
        .get(`/api/authz/v1/decisions?team=${TEAM}&action=report.read`)
        .set(asUser(ENGINEER));
      expect(byAction.body.decisions.map((d: any) => d.allowed)).toEqual([
        true,
      ]);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const none = await request(server)
        .get(`/api/authz/v1/decisions?team=${TEAM}&from=${future}`)
        .set(asUser(ENGINEER));
      expect(none.body.decisions).toEqual([]);
      const exported = await request(server)
        .get(`/api/authz/v1/decisions/export?team=${TEAM}`)
        .set(asUser(ENGINEER))
        .buffer(true)
        .parse((r, done) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => done(null, text));
        });
      expect(exported.status).toBe(200);
      expect(exported.headers['content-type']).toMatch(/x-ndjson/);
      const lines = (exported.body as string)
        .trim()
        .split('\n')
        .map(l => JSON.parse(l));
      expect(lines.map(l => l.decisionId)).toEqual(
        res.body.decisions.map((d: any) => d.decisionId),
      );
      const bad = await request(server)
        .get('/api/authz/v1/decisions?outcome=maybe')
        .set(asUser(ENGINEER));
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toMatch(/outcome/);
      const outsider = await request(server)
        .get('/api/authz/v1/decisions')
        .set(asUser(OUTSIDER));
      expect(outsider.status).toBe(403);
    });

    it('replay: a candidate that takes report.read from viewers flips exactly those decisions', async () => {
      const product = readPolicyDirectory(
        path.join(defaultPolicyRoot(), 'product'),
      );
      const data = JSON.parse(JSON.stringify(product.data));
      data.product.entitlements.roles.viewer.actions = ['dashboard.read'];
      const seeded = await request(server)
        .post('/api/authz/v1/check/batch')
        .set(asService())
        .send({
          checks: [
            teamCheck(viewer.id, 'report.read', viewer.account_id),
            teamCheck(viewer.id, 'report.read', viewer.account_id),
            teamCheck(viewer.id, 'dashboard.read', viewer.account_id),
            teamCheck(admin.id, 'report.read', admin.account_id),
            teamCheck(viewer.id, 'report.read', otherAccount),
          ],
        });
      expect(seeded.status).toBe(200);
      const res = await request(server)
        .post('/api/authz/v1/replay')
        .set(asUser(ENGINEER))
        .send({ modules: product.modules, data, limit: 5 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ replayed: 5, flipped: 2 });
      expect(res.body.candidate).toMatch(/^[0-9a-f]{64}$/);
      expect(res.body.flips.map((f: any) => f.decisionId).sort()).toEqual(
        [seeded.body.decisions[0], seeded.body.decisions[1]]
          .map((d: any) => d.decisionId)
          .sort(),
      );
      expect(res.body.flips[0]).toMatchObject({
        team: TEAM,
        action: 'report.read',
        before: { allowed: true, reason: 'role_grants_action' },
        after: { allowed: false, reason: 'role_lacks_action' },
      });
      expect(res.body.blastRadius[0]).toEqual({
        team: TEAM,
        action: 'report.read',
        replayed: 4,
        flipped: 2,
        nowAllowed: 0,
        nowDenied: 2,
      });
      expect(res.body.blastRadius).toContainEqual({
        team: TEAM,
        action: 'dashboard.read',
        replayed: 1,
        flipped: 0,
        nowAllowed: 0,
        nowDenied: 0,
      });
      const same = await request(server)
        .post('/api/authz/v1/replay')
        .set(asUser(ENGINEER))
        .send({ modules: product.modules, data: product.data, limit: 5 });
      expect(same.body).toMatchObject({ replayed: 5, flipped: 0, flips: [] });
      const broken = await request(server)
        .post('/api/authz/v1/replay')
        .set(asUser(ENGINEER))
        .send({ modules: { 'authz.rego': 'package authz\nallow if {' } });
      expect(broken.status).toBe(400);
      expect(JSON.stringify(broken.body)).toMatch(/body\.modules\.authz\.rego/);
    });
  });

  describe('playground endpoints', () => {
    const product = readPolicyDirectory(
      path.join(defaultPolicyRoot(), 'product'),
      { includeTests: true },
    );

    it('evaluates candidate sources on an input, with the decision and timings', async () => {
      const res = await request(server)
        .post('/api/authz/v1/evaluate')
        .set(asUser(ENGINEER))
        .send({
          modules: { 'authz.rego': product.modules['authz.rego'] },
          data: product.data,
          input: {
            subject: { account: 'a', role: 'viewer', plan: 'mid_market' },
            action: 'dashboard.read',
            resource: { account: 'a' },
          },
        });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        errors: [],
        decision: { allowed: true, reason: 'role_grants_action' },
      });
      expect(res.body.compileMs).toBeGreaterThan(0);
      expect(res.body.evalMs).toBeGreaterThanOrEqual(0);
    });

    it('answers compile errors with line and column', async () => {
      const res = await request(server)
        .post('/api/authz/v1/evaluate')
        .set(asUser(ENGINEER))
        .send({
          modules: {
            'p.rego': 'package product.authz\n\ndecision := {"allowed": x}',
          },
          input: {},
        });
      expect(res.status).toBe(200);
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          file: 'p.rego',
          line: 3,
          code: 'rego_unsafe_var_error',
        }),
      ]);
      expect(res.body.decision).toBeUndefined();
    });

    it("runs a policy's test_* rules", async () => {
      const res = await request(server)
        .post('/api/authz/v1/test')
        .set(asUser(ENGINEER))
        .send({ modules: product.modules, data: product.data });
      expect(res.status).toBe(200);
      expect(res.body.results.length).toBeGreaterThan(5);
      expect(res.body.results.every((r: any) => r.pass)).toBe(true);
      const broken = await request(server)
        .post('/api/authz/v1/test')
        .set(asUser(ENGINEER))
        .send({
          modules: {
            ...product.modules,
            'authz.rego': product.modules['authz.rego'].replace(
              'not same_tenant',
              'same_tenant',
            ),
          },
          data: product.data,
        });
      expect(
        broken.body.results.filter((r: any) => !r.pass).length,
      ).toBeGreaterThan(0);
    });
  });

  describe('policy revisions', () => {
    const asEngineer = () => asUser(ENGINEER);
    const viewerRead = () =>
      productCheck(viewer.id, 'dashboard.read', viewer.account_id);
    const decide = async (target: any) =>
      (
        await request(target)
          .post('/api/authz/v1/check')
          .set(asService())
          .send(viewerRead())
      ).body;

    it('seeds the repository policy as the active first revision', async () => {
      const res = await request(server)
        .get('/api/authz/v1/revisions')
        .set(asEngineer());
      expect(res.status).toBe(200);
      expect(res.body.revisions).toEqual([
        expect.objectContaining({
          id: '1',
          author: 'system:repository',
          active: true,
        }),
      ]);
    });

    it('serves a revision source for the diff; 404 for an unknown one, 400 for a malformed id', async () => {
      const list = await request(server)
        .get('/api/authz/v1/revisions')
        .set(asUser(ENGINEER));
      const first = list.body.revisions[list.body.revisions.length - 1];
      const res = await request(server)
        .get(`/api/authz/v1/revisions/${first.id}`)
        .set(asUser(ENGINEER));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: first.id, sha256: first.sha256 });
      expect(Object.keys(res.body.modules)).toContain('authz.rego');
      expect(
        (
          await request(server)
            .get('/api/authz/v1/revisions/999999')
            .set(asUser(ENGINEER))
        ).status,
      ).toBe(404);
      expect(
        (
          await request(server)
            .get('/api/authz/v1/revisions/abc')
            .set(asUser(ENGINEER))
        ).status,
      ).toBe(400);
    });

    it('refuses a revision that does not compile, naming module, line and column', async () => {
      const res = await request(server)
        .post('/api/authz/v1/revisions')
        .set(asEngineer())
        .send({
          modules: {
            'authz.rego':
              'package product.authz\nimport rego.v1\ndecision := {"allowed": true, "reason": http.send({})}',
          },
        });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toEqual([
        {
          path: 'body.modules.authz.rego',
          message: expect.stringMatching(/^3:\d+: .*http\.send/),
        },
      ]);
    });

    it('activation reaches the other replica within 1 s (LISTEN/NOTIFY); rollback restores', async () => {
      expect(await decide(replica)).toMatchObject({
        allowed: true,
        reason: 'role_grants_action',
      });
      const frozen = await request(server)
        .post('/api/authz/v1/revisions')
        .set(asEngineer())
        .send({
          modules: {
            'authz.rego':
              'package product.authz\nimport rego.v1\ndecision := {"allowed": false, "reason": "frozen"}',
          },
        });
      expect(frozen.status).toBe(201);
      const activated = Date.now();
      const act = await request(server)
        .post(`/api/authz/v1/revisions/${frozen.body.id}/activate`)
        .set(asEngineer())
        .send({ reason: 'incident freeze' });
      expect(act.status).toBe(200);
      expect(await decide(server)).toMatchObject({
        reason: 'frozen',
        policyRevision: frozen.body.sha256,
      });
      let seen: any;
      while (Date.now() - activated < 1000) {
        seen = await decide(replica);
        if (seen.reason === 'frozen') break;
        await new Promise(r => setTimeout(r, 10));
      }
      expect(seen).toMatchObject({ allowed: false, reason: 'frozen' });
      expect(Date.now() - activated).toBeLessThan(1000);

      const back = await request(server)
        .post('/api/authz/v1/revisions/rollback')
        .set(asEngineer())
        .send({});
      expect(back.body.id).toBe('1');
      const restored = Date.now();
      while (Date.now() - restored < 1000) {
        seen = await decide(replica);
        if (seen.allowed) break;
        await new Promise(r => setTimeout(r, 10));
      }
      expect(seen).toMatchObject({ allowed: true, cacheHit: false });
      expect(
        audited
          .filter(e => e.eventId.startsWith('policy-'))
          .map(e => e.eventId),
      ).toEqual(
        expect.arrayContaining([
          'policy-revision-create',
          'policy-revision-activate',
          'policy-revision-rollback',
        ]),
      );
    });

    it('a product data change drops cached decisions on every replica', async () => {
      await decide(replica);
      expect(await decide(replica)).toMatchObject({ cacheHit: true });
      const res = await request(server)
        .post('/api/authz/v1/data/changed')
        .set(asEngineer());
      expect(res.status).toBe(202);
      const started = Date.now();
      let seen: any;
      while (Date.now() - started < 1000) {
        seen = await decide(replica);
        if (!seen.cacheHit) break;
        await new Promise(r => setTimeout(r, 10));
      }
      expect(seen.cacheHit).toBe(false);
    });

    it('stores an OPA bundle (.tar.gz with policy.wasm and data.json) as a revision that decides', async () => {
      const { wasm } = compileRego(
        {
          'b.rego':
            'package bundled\nimport rego.v1\ndecision := {"allowed": input.action in data.open, "reason": "bundle"}',
        },
        ['bundled/decision'],
      );
      const bundle = tarGz({
        '/policy.wasm': wasm,
        '/data.json': JSON.stringify({ open: ['dashboard.read'] }),
      });
      const bad = await request(server)
        .post('/api/authz/v1/revisions/bundle')
        .set(asUser(ENGINEER))
        .send({ bundle: Buffer.from(bundle).toString('base64') });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.issues[0]).toMatchObject({
        path: 'body.entrypoint',
        message: expect.stringMatching(/bundled\/decision/),
      });
      const junk = await request(server)
        .post('/api/authz/v1/revisions/bundle')
        .set(asUser(ENGINEER))
        .send({ bundle: Buffer.from('not a bundle').toString('base64') });
      expect(junk.status).toBe(400);
      expect(junk.body.error.details.issues[0].path).toBe('body.bundle');
      const ok = await request(server)
        .post('/api/authz/v1/revisions/bundle')
        .set(asUser(ENGINEER))
        .send({
          bundle: Buffer.from(bundle).toString('base64'),
          entrypoint: 'bundled/decision',
        });
      expect(ok.status).toBe(201);
      await request(server)
        .post(`/api/authz/v1/revisions/${ok.body.id}/activate`)
        .set(asEngineer())
        .send({});
      expect(await decide(server)).toMatchObject({
        allowed: true,
        reason: 'bundle',
        policyRevision: ok.body.sha256,
      });
      await request(server)
        .post('/api/authz/v1/revisions/rollback')
        .set(asEngineer())
        .send({});
    });

    it('only authz.policy.manage holders change revisions', async () => {
      const res = await request(server)
        .post('/api/authz/v1/revisions/rollback')
        .set(asUser(OUTSIDER))
        .send({});
      expect(res.status).toBe(403);
    });
  });
});
