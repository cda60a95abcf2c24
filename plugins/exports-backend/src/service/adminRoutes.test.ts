import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import {
  permissionsByRule,
  startWebhookReceiver,
  waitFor,
  WebhookReceiver,
} from '@internal/plugin-platform-node/testUtils';
import {
  ExportsTestBackend,
  startExportsTestBackend,
} from '../__testUtils__/exportsTestBackend';

jest.setTimeout(120_000);

const ADMIN = 'user:default/admin-ada';
const ENGINEER = 'user:default/engineer-eli';

describe('exports admin stats and delivery log routes (real Postgres, real backend)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let server: any;
  let backend: ExportsTestBackend;
  let as: ExportsTestBackend['as'];
  let finishedJob: ExportsTestBackend['finished'];
  let receiver: WebhookReceiver;
  let accountId: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({
      statusFor: call => (call === 1 ? 503 : 204),
    });
    backend = await startExportsTestBackend({
      databases,
      eventRows: 300,
      permissions: permissionsByRule(
        ({ permission }, p) =>
          permission.name !== 'exports.export.admin' ||
          p.userEntityRef === ADMIN,
      ),
      exportsConfig: {
        storage: { localRoot: mkdtempSync(join(tmpdir(), 'exports-admin-')) },
        webhooks: {
          allowedHosts: ['127.0.0.1'],
          attempts: 3,
          backoffBaseMs: 50,
        },
      },
    });
    ({ server, as } = backend);
    finishedJob = backend.finished;
    accountId = String(
      (await backend.product('events').first('account_id'))!.account_id,
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await receiver?.close();
  });

  it('logs every webhook attempt of a job and shows it to its owner only', async () => {
    const created = await request(server)
      .post('/api/exports/v1/exports')
      .set(as(ENGINEER))
      .send({
        dataset: 'events',
        accountId,
        fields: ['id', 'event_type'],
        format: 'csv',
        delivery: { type: 'webhook', url: `${receiver.baseUrl}/hook` },
      });
    expect(created.status).toBe(202);
    expect((await finishedJob(ENGINEER, created.body.id)).status).toBe(
      'succeeded',
    );
    const log = await waitFor(async () => {
      const res = await request(server)
        .get(`/api/exports/v1/exports/${created.body.id}/deliveries`)
        .set(as(ENGINEER));
      expect(res.status).toBe(200);
      return res.body.items.length === 2 ? res.body.items : undefined;
    });
    expect(log).toEqual([
      expect.objectContaining({
        attempt: 1,
        statusCode: 503,
        delivered: false,
        url: `${receiver.baseUrl}/hook`,
      }),
      expect.objectContaining({ attempt: 2, statusCode: 204, delivered: true }),
    ]);
    expect(receiver.received).toHaveLength(2);

    const stranger = await request(server)
      .get(`/api/exports/v1/exports/${created.body.id}/deliveries`)
      .set(as('user:default/someone-else'));
    expect(stranger.status).toBe(404);
    const admin = await request(server)
      .get(`/api/exports/v1/exports/${created.body.id}/deliveries`)
      .set(as(ADMIN));
    expect(admin.body.items).toHaveLength(2);
  });

  it('answers measured stats to admins only, including the job that just ran', async () => {
    const created = await request(server)
      .post('/api/exports/v1/exports')
      .set(as(ENGINEER))
      .send({
        dataset: 'events',
        accountId,
        fields: ['id'],
        format: 'csv',
        delivery: { type: 'download' },
      });
    const job = await finishedJob(ENGINEER, created.body.id);
    const before = Date.now();
    const res = await request(server)
      .get('/api/exports/v1/stats?hours=2')
      .set(as(ADMIN));
    expect(res.status).toBe(200);
    expect(res.body.hours).toBe(2);
    expect(res.body.sloSeconds).toBe(60);
    expect(res.body.queueDepth).toHaveLength(48);
    expect(
      Math.abs(new Date(res.body.measuredAt).getTime() - before),
    ).toBeLessThan(60_000);
    // Both jobs of this file succeeded within the window.
    expect(res.body.outcomes.succeeded).toBe(2);
    expect(res.body.durations.count).toBe(2);
    const seconds =
      (new Date(job.finishedAt).getTime() - new Date(job.createdAt).getTime()) /
      1000;
    const bucket = res.body.durations.buckets.find(
      (b: { le: number | null }) => b.le === null || seconds <= b.le,
    );
    expect(bucket.count).toBeGreaterThanOrEqual(1);

    const denied = await request(server)
      .get('/api/exports/v1/stats')
      .set(as(ENGINEER));
    expect(denied.status).toBe(403);
    const anonymous = await request(server)
      .get('/api/exports/v1/stats')
      .set('Authorization', mockCredentials.user.invalidHeader());
    expect(anonymous.status).toBe(401);
  });

  it.each(['0', '169', 'a day'])(
    'rejects hours=%s with a 400 naming the parameter',
    async hours => {
      const res = await request(server)
        .get(`/api/exports/v1/stats?hours=${encodeURIComponent(hours)}`)
        .set(as(ADMIN));
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error)).toMatch(/hours/);
    },
  );

  it('rejects a malformed job id in the delivery log with a 400 naming it', async () => {
    const res = await request(server)
      .get('/api/exports/v1/exports/not-a-uuid/deliveries')
      .set(as(ENGINEER));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toMatch(/id/);
  });
});
