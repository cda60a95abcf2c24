import path from 'node:path';
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import {
  createServiceFactory,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  authzDecisionLatencyReaderServiceRef,
  DatabaseDecisionLatencyReader,
} from '@internal/plugin-authz-node';
import { DatabaseExportJobsReader } from '@internal/plugin-exports-node';
import {
  exportJobsReaderFactory,
  migrateExportTables,
} from '@internal/plugin-exports-node/testUtils';
import { sloPlugin } from './plugin';
import { emptyTelemetryReader } from './testing/services';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
const root = path.resolve(__dirname, '../../..');

const slo = {
  id: 'team-checkout',
  name: 'Checkout availability',
  journey: 'Checkout',
  service: 'checkout',
  owner: 'group:default/billing',
  objective: 0.999,
  window: 'rolling-30d',
  sli: { source: 'series', kind: 'ratio' },
  alerting: { preset: 'spec', runbook: 'slo-budget-burn' },
};

describe('slo backend plugin', () => {
  async function start(
    result:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
  ) {
    const knex = await databases.init('POSTGRES_18');
    // The exports and authz tables (their own migrations) in the same test database, empty.
    await migrateExportTables(knex);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-authz-backend',
        'migrations',
      ),
      tableName: 'authz_test_migrations',
    });
    const { server } = await startTestBackend({
      features: [
        sloPlugin,
        emptyTelemetryReader,
        exportJobsReaderFactory(new DatabaseExportJobsReader(knex)),
        createServiceFactory({
          service: authzDecisionLatencyReaderServiceRef,
          deps: {},
          factory: () => new DatabaseDecisionLatencyReader(knex),
        }),
        mockServices.database.factory({ knex }),
        mockServices.permissions.factory({ result }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            slo: {
              definitionsDirectory: path.join(root, 'slos'),
              runbooksDirectory: path.join(root, 'docs/runbooks'),
              evaluationIntervalSeconds: 3600,
            },
          },
        }),
      ],
    });
    return server;
  }

  it('serves the repository SLOs, admin-defined SLOs, backfilled series and evaluations at asOf', async () => {
    const server = await start();
    const list = await request(server).get('/api/slo/v1/slos');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(10);
    const exports = list.body.items.find(
      (s: { id: string }) => s.id === 'export-completion',
    );
    expect(exports).toMatchObject({
      sli: null,
      budget: { remaining: null, consumed: null },
      dataStatus: {
        ok: false,
        message:
          "no data: no events in the rolling-30d window yet (source: the exports plugin's export_jobs table (finished jobs by finish minute))",
      },
    });

    // Field path and rule in a 400, never a 500.
    const bad = await request(server)
      .post('/api/slo/v1/slos')
      .send({ ...slo, objective: 1.5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/objective: must be below 1/);

    expect(
      (await request(server).post('/api/slo/v1/slos').send(slo)).status,
    ).toBe(201);
    expect(
      (await request(server).post('/api/slo/v1/slos').send(slo)).status,
    ).toBe(409);

    // One hour at 1,000 requests a minute, the last 10 minutes at 2 % errors.
    const t0 = Date.UTC(2026, 10, 20, 10, 0);
    const points = Array.from({ length: 60 }, (_, i) => ({
      minute: new Date(t0 + i * 60_000).toISOString(),
      good: i >= 50 ? 980 : 1000,
      total: 1000,
    }));
    const posted = await request(server)
      .post('/api/slo/v1/slos/team-checkout/series')
      .send({ points });
    expect(posted.body).toEqual({ stored: 60 });

    const asOf = new Date(t0 + 59 * 60_000).toISOString();
    const detail = await request(server)
      .get('/api/slo/v1/slos/team-checkout')
      .query({ asOf });
    expect(detail.status).toBe(200);
    // 200 bad of 60,000: SLI 0.99667; consumed = (200/60,000)/0.001 = 3.333.
    expect(detail.body.sli).toBeCloseTo(1 - 200 / 60_000, 12);
    expect(detail.body.budget.consumed).toBeCloseTo(200 / 60_000 / 0.001, 9);
    expect(
      detail.body.burnRates.map(
        (b: { windowMinutes: number }) => b.windowMinutes,
      ),
    ).toEqual([5, 30, 60, 120, 360, 1440, 4320]);
    // 5-minute window all at 2 % errors: 20×; 1 h: 200/60,000/0.001 = 3.33×.
    expect(detail.body.burnRates[0].value).toBeCloseTo(20, 9);
    expect(detail.body.alerts[0]).toMatchObject({
      name: 'fast-burn',
      factor: 10,
      condition: false,
      state: 'inactive',
      runbook: 'slo-budget-burn',
    });

    // Replacing a minute's point, not adding to it.
    await request(server)
      .post('/api/slo/v1/slos/team-checkout/series')
      .send({
        points: [{ minute: points[59].minute, good: 1000, total: 1000 }],
      });
    const after = await request(server)
      .get('/api/slo/v1/slos/team-checkout')
      .query({ asOf });
    expect(after.body.total).toBe(60_000);
    expect(after.body.good).toBe(60_000 - 180);

    expect(
      (await request(server).get('/api/slo/v1/slos/team-checkout/history')).body
        .months,
    ).toEqual([expect.objectContaining({ month: '2026-11', total: 60_000 })]);
    expect(
      (await request(server).delete('/api/slo/v1/slos/availability')).status,
    ).toBe(409);
    expect(
      (await request(server).delete('/api/slo/v1/slos/team-checkout')).status,
    ).toBe(204);
    expect(
      (await request(server).get('/api/slo/v1/slos/team-checkout')).status,
    ).toBe(404);
  });

  it('rejects bad series input with the field and rule', async () => {
    const server = await start();
    const post = (body: object) =>
      request(server).post('/api/slo/v1/slos/availability/series').send(body);
    const tooMany = await post({
      points: Array.from({ length: 50_001 }, (_, i) => ({
        minute: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
        good: 1,
        total: 1,
      })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/points.*50000/);
    const notMinute = await post({
      points: [{ minute: '2026-11-01T00:00:30Z', good: 1, total: 1 }],
    });
    expect(notMinute.status).toBe(400);
    expect(notMinute.body.error.message).toMatch(
      /points\.0\.minute: must be the start of a minute/,
    );
    const goodAboveTotal = await post({
      points: [{ minute: '2026-11-01T00:00:00Z', good: 2, total: 1 }],
    });
    expect(goodAboveTotal.body.error.message).toMatch(
      /points\.0\.good: must not exceed total/,
    );
    const negative = await post({
      points: [{ minute: '2026-11-01T00:00:00Z', good: -1, total: 1 }],
    });
    expect(negative.status).toBe(400);
    // Rejected by the OpenAPI validator, naming the field and the rule.
    expect(negative.body.error.message).toMatch(/points\/0\/good must be >= 0/);
    const alerts = await request(server).get('/api/slo/v1/alerts?limit=5');
    expect(alerts.status).toBe(200);
    const badLimit = await request(server).get('/api/slo/v1/alerts?limit=9999');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.message).toMatch(/limit/);
    const asOf = await request(server).get(
      '/api/slo/v1/slos/availability?asOf=yesterday',
    );
    expect(asOf.status).toBe(400);
    expect(asOf.body.error.message).toMatch(/asOf/);
  });

  it('serves runbooks by allow-listed name', async () => {
    const server = await start();
    const runbook = await request(server).get('/api/slo/v1/runbooks/full-disk');
    expect(runbook.status).toBe(200);
    expect(runbook.body.markdown).toMatch(/^# Runbook: Postgres disk full/);
    expect(
      (await request(server).get('/api/slo/v1/runbooks/..%2Fsecrets')).status,
    ).toBe(400);
    expect(
      (await request(server).get('/api/slo/v1/runbooks/nope')).status,
    ).toBe(404);
  });

  it('denies without the permissions', async () => {
    const server = await start(AuthorizeResult.DENY);
    expect((await request(server).get('/api/slo/v1/slos')).status).toBe(403);
    expect(
      (await request(server).post('/api/slo/v1/slos').send(slo)).status,
    ).toBe(403);
    expect(
      (await request(server).get('/api/slo/v1/runbooks/full-disk')).status,
    ).toBe(403);
  });
});
