import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { filtersAccountActPermission } from '@internal/plugin-filters-common';
import Router from 'express-promise-router';
import request from 'supertest';
import { Knex } from 'knex';
import {
  PlatformEventsService,
  platformEventsServiceRef,
  PlatformTelemetryReader,
  platformTelemetryReaderServiceRef,
  platformQaExtensionPoint,
  platformRetentionExtensionPoint,
  requestTelemetryServiceRef,
} from '@internal/plugin-platform-node';
import { platformPlugin } from './plugin';
import { platformAuditorServiceFactory } from './service/auditorServiceFactory';
import {
  platformTestDatabases,
  TEST_IDENTITY,
} from './__testUtils__/platformTestDatabase';

jest.setTimeout(60_000);

const databases = platformTestDatabases();

/** A stand-in platform backend (like exports) that emits events and mounts the telemetry. */
function producerPlugin(capture: {
  events?: PlatformEventsService;
  reader?: PlatformTelemetryReader;
}) {
  return createBackendPlugin({
    pluginId: 'exports',
    register(env) {
      env.registerInit({
        deps: {
          events: platformEventsServiceRef,
          telemetry: requestTelemetryServiceRef,
          reader: platformTelemetryReaderServiceRef,
          httpRouter: coreServices.httpRouter,
          auditor: coreServices.auditor,
        },
        async init({ events, telemetry, reader, httpRouter, auditor }) {
          capture.events = events;
          capture.reader = reader;
          const router = Router();
          router.use(telemetry.middleware());
          router.post('/v1/exports', async (req, res) => {
            const audit = await auditor.createEvent({
              eventId: 'export-create',
              request: req,
              meta: { resource: 'dashboard:42' },
            });
            await audit.success();
            res.status(201).json({ ok: true });
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

describe('platform backend plugin', () => {
  let db: { knex: Knex };
  beforeAll(async () => {
    db = { knex: await databases.init() };
  });

  async function start(
    result:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
    config: NonNullable<
      Parameters<typeof mockServices.rootConfig.factory>[0]
    >['data'] = {},
    permissions = mockServices.permissions.factory({ result }),
  ) {
    const capture: {
      events?: PlatformEventsService;
      reader?: PlatformTelemetryReader;
    } = {};
    const backend = await startTestBackend({
      features: [
        platformPlugin,
        producerPlugin(capture),
        platformAuditorServiceFactory,
        mockServices.database.factory({ knex: db.knex }),
        permissions,
        mockServices.rootConfig.factory({ data: config }),
      ],
    });
    return {
      server: backend.server,
      backend,
      events: capture.events!,
      reader: capture.reader!,
    };
  }

  it('requires authentication', async () => {
    const { server, backend } = await start();
    const none = mockCredentials.none.header();
    const qa = await request(server)
      .get('/api/platform/v1/qa')
      .set('Authorization', none);
    expect(qa.status).toBe(401);
    const metrics = await request(server)
      .get('/api/platform/metrics')
      .set('Authorization', none);
    expect(metrics.status).toBe(401);
    const rum = await request(server)
      .post('/api/platform/v1/rum')
      .set('Authorization', mockCredentials.service.header())
      .send({ route: '/', kind: 'page-load', durationMs: 1 });
    expect(rum.status).toBe(403); // RUM is for signed-in users only
    await backend.stop();
  });

  it('takes events from another plugin through its outbox, serves them as NDJSON with a cursor, and dead-letters invalid ones', async () => {
    const { server, backend, events } = await start();
    const user = mockCredentials.user.header();
    const ok = await events.emit(
      'export.requested',
      { export_id: 'e1', format: 'csv', estimated_rows: 10, filter_hash: 'h' },
      TEST_IDENTITY,
    );
    const bad = await events.emit(
      'export.requested',
      { export_id: 'e2', format: 'docx' },
      TEST_IDENTITY,
    );
    expect(ok.accepted).toBe(true);
    expect(bad.accepted).toBe(false);
    expect(await events.flush()).toBe(2);

    const stream = await request(server)
      .get('/api/platform/v1/events/stream?types=export.requested')
      .set('Authorization', user)
      .expect(200);
    expect(stream.headers['content-type']).toContain('application/x-ndjson');
    const lines = stream.text
      .trim()
      .split('\n')
      .map(l => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ event_id: ok.eventId, producer: 'exports' }),
    ]);
    const next = await request(server)
      .get(
        `/api/platform/v1/events/stream?after=${stream.headers['x-next-cursor']}`,
      )
      .set('Authorization', user)
      .expect(200);
    expect(next.text).toBe('');

    const letters = await request(server)
      .get('/api/platform/v1/dead-letters')
      .set('Authorization', user)
      .expect(200);
    expect(letters.body.counts).toEqual({ open: 1, replayed: 0 });
    expect(
      letters.body.deadLetters[0].violations
        .map((v: any) => v.instancePath)
        .sort(),
    ).toEqual(['/properties', '/properties', '/properties/format']);
    expect(letters.body.source).toContain('platform_dead_letters');
    expect(Date.parse(letters.body.generatedAt)).not.toBeNaN();

    const replay = await request(server)
      .post('/api/platform/v1/dead-letters/replay')
      .set('Authorization', user)
      .send({})
      .expect(200);
    expect(replay.body).toMatchObject({
      dryRun: true,
      examined: 1,
      stillInvalid: 1,
    });
    await backend.stop();
  });

  it('answers bad input with 400 naming the field and the rule', async () => {
    const { server, backend } = await start();
    const user = mockCredentials.user.header();
    const r1 = await request(server)
      .post('/api/platform/v1/dead-letters/replay')
      .set('Authorization', user)
      .send({ ids: ['not-a-uuid'], dryRun: 'yes' });
    expect(r1.status).toBe(400);
    expect(r1.body.error.message).toMatch(
      /body\.ids\.0: must match format "uuid"/,
    );
    expect(r1.body.error.message).toMatch(/body\.dryRun: must be boolean/);
    expect(r1.body.error.details.issues).toEqual(
      expect.arrayContaining([
        { path: 'body.ids.0', message: 'must match format "uuid"' },
        { path: 'body.dryRun', message: 'must be boolean' },
      ]),
    );
    const r2 = await request(server)
      .get('/api/platform/v1/events/volume?bucket=week')
      .set('Authorization', user)
      .expect(400);
    expect(r2.body.error.message).toContain(
      'query.bucket: must be equal to one of the allowed values',
    );
    const r3 = await request(server)
      .get('/api/platform/v1/events/stream?after=abc')
      .set('Authorization', user)
      .expect(400);
    expect(r3.body.error.message).toContain('query.after: must match pattern');
    const r4 = await request(server)
      .post('/api/platform/v1/rum')
      .set('Authorization', user)
      .send({ route: 'home', kind: 'page-load', durationMs: -5 })
      .expect(400);
    expect(r4.body.error.message).toMatch(
      /body\.route: must match pattern "\^\/"/,
    );
    expect(r4.body.error.message).toMatch(/body\.durationMs: must be >= 0/);
    const r5 = await request(server)
      .get(
        '/api/platform/v1/telemetry/rollups?from=2026-12-01T10:00:00Z&to=2026-12-01T09:00:00Z',
      )
      .set('Authorization', user)
      .expect(400);
    expect(r5.body.error.details.issues).toEqual([
      { path: 'query.from', message: 'from must be before to' },
    ]);
    const r6 = await request(server)
      .get('/api/platform/v1/events?limit=abc&nope=1')
      .set('Authorization', user)
      .expect(400);
    expect(r6.body.error.message).toMatch(/query/);
    await backend.stop();
  });

  it("lands the platform plugins' auditor events in the chain, and verifies it", async () => {
    const { server, backend } = await start();
    const user = mockCredentials.user.header();
    await request(server)
      .post('/api/exports/v1/exports')
      .set('Authorization', user)
      .expect(201);
    await request(server)
      .post('/api/platform/v1/qa/run')
      .set('Authorization', user)
      .expect(200);
    const audit = await request(server)
      .get('/api/platform/v1/audit?action=exports.export-create')
      .set('Authorization', user)
      .expect(200);
    expect(audit.body.records).toEqual([
      expect.objectContaining({
        actor: mockCredentials.user().principal.userEntityRef,
        resource: 'dashboard:42',
        outcome: 'succeeded',
        plugin: 'exports',
      }),
    ]);
    // Verify runs as a job: ask for a run now, then read its result.
    const requested = await request(server)
      .post('/api/platform/v1/audit/verify')
      .set('Authorization', user)
      .expect(202);
    let verify = await request(server)
      .get('/api/platform/v1/audit/verify')
      .set('Authorization', user)
      .expect(200);
    for (let i = 0; i < 100 && verify.body.run?.id !== requested.body.id; i++) {
      await new Promise(r => setTimeout(r, 100));
      verify = await request(server)
        .get('/api/platform/v1/audit/verify')
        .set('Authorization', user)
        .expect(200);
    }
    expect(verify.body).toMatchObject({ valid: true, status: 'done' });
    expect(verify.body.checked).toBeGreaterThanOrEqual(2);

    const exported = await request(server)
      .get('/api/platform/v1/audit/export?outcome=succeeded')
      .set('Authorization', user)
      .expect(200);
    expect(exported.text.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    await backend.stop();
  });

  it('exposes Prometheus metrics with process metrics and request histograms', async () => {
    const { server, backend } = await start();
    const service = mockCredentials.service.header();
    await request(server)
      .post('/api/exports/v1/exports')
      .set('Authorization', mockCredentials.user.header());
    await new Promise(r => setTimeout(r, 20));
    const res = await request(server)
      .get('/api/platform/metrics')
      .set('Authorization', service)
      .expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(
      /http_server_request_duration_seconds_count\{service="exports",method="POST",route="\/api\/exports\/v1\/exports",status_class="2xx"\} \d+/,
    );
    await backend.stop();
  });

  it('records RUM timings for the signed-in user', async () => {
    const { server, backend } = await start();
    await request(server)
      .post('/api/platform/v1/rum')
      .set('Authorization', mockCredentials.user.header())
      .send({ route: '/platform/health', kind: 'page-load', durationMs: 1234 })
      .expect(202);
    const summary = await request(server)
      .get('/api/platform/v1/telemetry/summary')
      .set('Authorization', mockCredentials.user.header())
      .expect(200);
    expect(summary.body.rum).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          route: '/platform/health',
          samples: expect.any(Number),
        }),
      ]),
    );
    await backend.stop();
  });

  it('aggregates RUM reports per minute and limits them per user (429 + Retry-After)', async () => {
    const { server, backend, reader } = await start(AuthorizeResult.ALLOW, {
      platform: { rum: { rateLimit: { points: 3, durationSeconds: 60 } } },
    });
    const route = `/rate-limited-${Date.now()}`;
    const report = (user: string) =>
      request(server)
        .post('/api/platform/v1/rum')
        .set('Authorization', mockCredentials.user.header(user))
        .send({ route, kind: 'page-load', durationMs: 700 });
    for (let i = 0; i < 3; i++) {
      expect((await report('user:default/flood')).status).toBe(202);
    }
    const limited = await report('user:default/flood');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.error.message).toContain('Too many RUM reports');
    // Another user has their own budget.
    expect((await report('user:default/other')).status).toBe(202);
    // Other plugins read the same histograms through the telemetry reader service.
    const loads = await reader.pageLoadMinutes({
      from: new Date(Date.now() - 5 * 60_000),
      to: new Date(Date.now() + 60_000),
      route,
    });
    expect(loads.reduce((n, m) => n + m.count, 0)).toBe(4);
    // Four accepted beacons, one histogram row (unless the minute rolled over in between).
    const rows = await db
      .knex('platform_rum_minutes')
      .where({ route })
      .select('count', 'buckets');
    expect(rows.length).toBeLessThanOrEqual(2);
    expect(rows.reduce((n, r) => n + Number(r.count), 0)).toBe(4);
    await backend.stop();
  });

  it("scopes event, dead-letter and per-user telemetry reads to the caller's accounts", async () => {
    const otherAccount = '9c1d3e5f-7a9b-4c2d-8e0f-1a2b3c4d5e6f';
    // An engineer whose team may act for TEST_IDENTITY.account_id only.
    const scoped = mockServices.permissions.mock({
      authorize: async requests =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
      authorizeConditional: async requests =>
        requests.map(r =>
          r.permission.name === filtersAccountActPermission.name
            ? {
                result: AuthorizeResult.CONDITIONAL,
                pluginId: 'filters',
                resourceType: 'filters-account',
                conditions: {
                  rule: 'ACCOUNT_IN',
                  resourceType: 'filters-account',
                  params: { accountIds: [TEST_IDENTITY.account_id] },
                },
              }
            : { result: AuthorizeResult.ALLOW },
        ),
    });
    const { server, backend, events } = await start(
      AuthorizeResult.ALLOW,
      {},
      scoped.factory as ReturnType<typeof mockServices.permissions.factory>,
    );
    const user = mockCredentials.user.header();
    const props = (id: string) => ({
      export_id: id,
      format: 'csv',
      estimated_rows: 1,
      filter_hash: 'h',
    });
    const mine = await events.emit(
      'export.requested',
      props('mine'),
      TEST_IDENTITY,
    );
    const theirs = await events.emit('export.requested', props('theirs'), {
      ...TEST_IDENTITY,
      account_id: otherAccount,
    });
    await events.emit(
      'export.requested',
      { export_id: 'bad-theirs' },
      { ...TEST_IDENTITY, account_id: otherAccount },
    );
    await events.flush();

    const listed = await request(server)
      .get('/api/platform/v1/events?types=export.requested&limit=10000')
      .set('Authorization', user)
      .expect(200);
    const ids = listed.body.events.map((e: { event_id: string }) => e.event_id);
    expect(ids).toContain(mine.eventId);
    expect(ids).not.toContain(theirs.eventId);
    expect(
      listed.body.events.every(
        (e: { account_id?: string }) =>
          e.account_id === TEST_IDENTITY.account_id,
      ),
    ).toBe(true);

    const refused = await request(server)
      .get(`/api/platform/v1/events?accountId=${otherAccount}`)
      .set('Authorization', user)
      .expect(403);
    expect(refused.body.error.message).toContain('accountId');

    const stream = await request(server)
      .get('/api/platform/v1/events/stream?limit=5000')
      .set('Authorization', user)
      .expect(200);
    expect(stream.text).not.toContain(otherAccount);

    const letters = await request(server)
      .get('/api/platform/v1/dead-letters?limit=1000&includeReplayed=true')
      .set('Authorization', user)
      .expect(200);
    expect(JSON.stringify(letters.body.deadLetters)).not.toContain(
      otherAccount,
    );

    const rollups = await request(server)
      .get('/api/platform/v1/telemetry/rollups')
      .set('Authorization', user)
      .expect(200);
    expect(rollups.body.rollups.length).toBeGreaterThan(0);
    expect(
      rollups.body.rollups.every(
        (r: { user_ref: string }) => r.user_ref === '*',
      ),
    ).toBe(true);
    await backend.stop();
  });

  it('caps telemetry time spans and pages rollups', async () => {
    const { server, backend } = await start();
    const user = mockCredentials.user.header();
    const rollups = await request(server)
      .get(
        '/api/platform/v1/telemetry/rollups?from=2026-11-01T00:00:00Z&to=2026-11-03T00:00:00Z',
      )
      .set('Authorization', user)
      .expect(400);
    expect(rollups.body.error.details.issues).toEqual([
      { path: 'query.from', message: 'from..to must span at most 24 hours' },
    ]);
    const summary = await request(server)
      .get(
        '/api/platform/v1/telemetry/summary?from=2026-09-01T00:00:00Z&to=2026-11-01T00:00:00Z',
      )
      .set('Authorization', user)
      .expect(400);
    expect(summary.body.error.message).toContain(
      'query.from: from..to must span at most 31 days',
    );
    // Admins see per-user rows, one page at a time.
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
    await db.knex('platform_request_rollups').insert(
      ['user:default/paged-a', 'user:default/paged-b'].map(user_ref => ({
        minute,
        service: 'paged',
        method: 'GET',
        route: '/v1/x',
        status_class: '2xx',
        team: 'group:default/t',
        user_ref,
        count: 1,
        errors: 0,
        duration_sum_ms: 3,
        buckets: db.knex.raw('?::bigint[]', [
          [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ]),
      })),
    );
    const first = await request(server)
      .get('/api/platform/v1/telemetry/rollups?service=paged&limit=1')
      .set('Authorization', user)
      .expect(200);
    expect(
      first.body.rollups.map((r: { user_ref: string }) => r.user_ref),
    ).toEqual(['user:default/paged-a']);
    expect(first.body.nextCursor).toBe('1');
    const second = await request(server)
      .get(
        `/api/platform/v1/telemetry/rollups?service=paged&limit=1&cursor=${first.body.nextCursor}`,
      )
      .set('Authorization', user)
      .expect(200);
    expect(
      second.body.rollups.map((r: { user_ref: string }) => r.user_ref),
    ).toEqual(['user:default/paged-b']);
    await backend.stop();
  });

  it("takes other plugins' retention targets and QA checks through extension points", async () => {
    const purged: Date[] = [];
    const exportsModule = createBackendModule({
      pluginId: 'platform',
      moduleId: 'exports-data',
      register(env) {
        env.registerInit({
          deps: {
            retention: platformRetentionExtensionPoint,
            qa: platformQaExtensionPoint,
          },
          async init({ retention, qa }) {
            retention.addRetentionTarget({
              dataClass: 'export_files',
              name: 'exports.files',
              purge: async cutoff => {
                purged.push(cutoff);
                return 3;
              },
            });
            qa.addQaCheck({
              id: 'exports.empty_files',
              run: async () => [
                {
                  event_type: 'export.completed',
                  value: 0,
                  threshold: '= 0',
                  status: 'pass',
                  detail: 'no empty export files',
                },
              ],
            });
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        platformPlugin,
        exportsModule,
        mockServices.database.factory({ knex: db.knex }),
        mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
      ],
    });
    const user = mockCredentials.user.header();
    const run = await request(backend.server)
      .post('/api/platform/v1/retention/run')
      .set('Authorization', user)
      .expect(200);
    const files = run.body.results.find(
      (r: { dataClass: string }) => r.dataClass === 'export_files',
    );
    expect(files.deleted).toEqual({ 'exports.files': 3 });
    expect(purged).toHaveLength(1);
    const qa = await request(backend.server)
      .post('/api/platform/v1/qa/run')
      .set('Authorization', user)
      .expect(200);
    expect(qa.body.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          check: 'exports.empty_files',
          status: 'pass',
          event_type: 'export.completed',
        }),
      ]),
    );
    await backend.stop();
  });

  it('refuses callers the permission policy denies', async () => {
    const { server, backend } = await start(AuthorizeResult.DENY);
    const user = mockCredentials.user.header();
    const res = await request(server)
      .get('/api/platform/v1/audit/verify')
      .set('Authorization', user)
      .expect(403);
    expect(res.body.error.message).toContain('platform.audit.read');
    await request(server)
      .post('/api/platform/v1/retention/run')
      .set('Authorization', user)
      .expect(403);
    await backend.stop();
  });
});
