import { spawn, ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { connectionOfKnex } from '@internal/plugin-filters-node/testUtils';
import {
  startWebhookReceiver,
  waitFor,
  WebhookReceiver,
} from '@internal/plugin-platform-node/testUtils';
import { Knex } from 'knex';
import { newExportJob } from '../../__testUtils__/newExportJob';
import { ExportStore } from '../ExportStore';
import { verifyDownloadToken } from '../signedUrls';
import { WebhookDeliverer } from '../webhooks';
import { freshDownloadUrl } from './freshDownloadUrl';
import { WebhookDispatcher } from './WebhookDispatcher';
import { WebhookOutbox } from './WebhookOutbox';

jest.setTimeout(240_000);

const SECRET = 'delivery-test-secret';
const testBaseUrl = async () => 'http://backend.test/api/exports';

describe('durable webhook delivery (real Postgres, real receiver)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let own: Knex;
  let store: ExportStore;
  let receiver: WebhookReceiver | undefined;
  const dispatchers: WebhookDispatcher[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    own = await databases.init('POSTGRES_18');
    await own.migrate.latest({ directory: `${__dirname}/../../../migrations` });
    store = new ExportStore(own, { webhookAttempts: 3 });
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map(d => d.stop()));
    children.splice(0).forEach(c => c.kill('SIGKILL'));
    await receiver?.close();
  });

  /** A job with a webhook that finished (succeeded): its notification is in the outbox. */
  async function finishedJobWithWebhook(url: string) {
    const { row } = await store.create(
      newExportJob({ delivery: { type: 'webhook', url } }),
    );
    const claimed = (await store.claim({
      workerId: 'w',
      leaseMs: 30_000,
      perTenantLimit: 2,
    }))!;
    expect(claimed.id).toBe(row.id);
    await store.complete(
      row.id,
      claimed.lease_token!,
      { rowsWritten: 7, bytesWritten: 70, storageKey: 'us/x.csv' },
      86_400_000,
      async () => {},
    );
    return row.id;
  }

  function dispatcher(allowedHosts = ['127.0.0.1'], backoffBaseMs = 100) {
    const d = new WebhookDispatcher({
      outbox: new WebhookOutbox(own),
      deliverer: new WebhookDeliverer({ secret: SECRET, allowedHosts }),
      logger: mockServices.logger.mock(),
      freshFields: row =>
        freshDownloadUrl(row, { secret: SECRET, baseUrl: testBaseUrl }),
      backoffBaseMs,
      pollMs: 50,
    });
    dispatchers.push(d);
    return d;
  }

  const log = (jobId: string) =>
    own('export_webhook_deliveries').where({ job_id: jobId }).orderBy('id');

  it('a process killed (kill -9) between attempts: the next process makes the remaining attempts, each with a freshly signed download URL', async () => {
    receiver = await startWebhookReceiver({
      statusFor: call => (call <= 2 ? 500 : 204),
    });
    const jobId = await finishedJobWithWebhook(`${receiver.baseUrl}/hook`);

    const child = spawn(
      process.execPath,
      [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        join(__dirname, '__testUtils__/deliveryProcess.ts'),
      ],
      {
        env: {
          ...process.env,
          EXPORTS_TEST_DELIVERY: JSON.stringify({
            own: JSON.parse(JSON.stringify(connectionOfKnex(own))),
            secret: SECRET,
            // The second attempt is due 4 s after the first: the process dies before it.
            backoffBaseMs: 4000,
          }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout!.on('data', d => (output += d));
    child.stderr!.on('data', d => (output += d));
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`process died: ${output}`);
      return (await log(jobId)).length === 1 ? true : undefined;
    }, 200_000);
    child.kill('SIGKILL');
    await new Promise(r => child.once('exit', r));
    const [pending] = await new WebhookOutbox(own).ofJob(jobId);
    expect(pending).toMatchObject({ state: 'pending', attempts: 1 });
    expect(receiver.received).toHaveLength(1);

    dispatcher().start(); // the next process
    const attempts = await waitFor(async () => {
      const rows = await log(jobId);
      return rows.length === 3 ? rows : undefined;
    }, 30_000);
    expect(attempts.map(r => [r.attempt, r.status_code, r.delivered])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 204, true],
    ]);
    const [done] = await new WebhookOutbox(own).ofJob(jobId);
    expect(done).toMatchObject({ state: 'delivered', attempts: 3 });

    expect(receiver.received).toHaveLength(3);
    const tokens = receiver.received.map(hook => {
      const ts = String(hook.headers['x-timestamp']);
      expect(hook.headers['x-signature']).toBe(
        `sha256=${createHmac('sha256', SECRET)
          .update(`${ts}.${hook.body}`)
          .digest('hex')}`,
      );
      const payload = JSON.parse(hook.body);
      expect(payload).toMatchObject({
        exportId: jobId,
        status: 'succeeded',
        rowsWritten: 7,
        bytesWritten: 70,
      });
      const token = String(payload.downloadUrl).split('/').pop()!;
      expect(verifyDownloadToken(SECRET, token)).toMatchObject({
        valid: true,
        jobId,
      });
      return token;
    });
    expect(new Set(tokens).size).toBe(3); // signed again at every attempt
  });

  it('stops at the attempt limit, and at once when the host left the allow-list; a download job has no webhook', async () => {
    receiver = await startWebhookReceiver({ statusFor: () => 503 });
    const failing = await finishedJobWithWebhook(`${receiver.baseUrl}/a`);
    const d = dispatcher(['127.0.0.1'], 20);
    await waitFor(async () => {
      await d.deliverDue();
      const [row] = await new WebhookOutbox(own).ofJob(failing);
      return row.state === 'failed' ? row : undefined;
    });
    expect((await log(failing)).map(r => r.status_code)).toEqual([
      503, 503, 503,
    ]);

    const refused = await finishedJobWithWebhook(`${receiver.baseUrl}/b`);
    const strict = dispatcher([], 20);
    expect(await strict.deliverDue()).toBe(1);
    const [row] = await new WebhookOutbox(own).ofJob(refused);
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    const [entry] = await log(refused);
    expect(entry.error).toMatch(/not in exports\.webhooks\.allowedHosts/);
    expect(receiver.received).toHaveLength(3);

    const { row: download } = await store.create(newExportJob());
    const claimed = (await store.claim({
      workerId: 'w',
      leaseMs: 30_000,
      perTenantLimit: 2,
    }))!;
    await store.fail(download.id, claimed.lease_token!, {
      type: 'rejected',
      message: 'no',
      retryable: false,
    });
    expect(await new WebhookOutbox(own).ofJob(download.id)).toEqual([]);
  });

  it('an attempt that could not build its request (download URL unavailable) is logged and retried', async () => {
    receiver = await startWebhookReceiver();
    const jobId = await finishedJobWithWebhook(`${receiver.baseUrl}/d`);
    let calls = 0;
    const d = new WebhookDispatcher({
      outbox: new WebhookOutbox(own),
      deliverer: new WebhookDeliverer({
        secret: SECRET,
        allowedHosts: ['127.0.0.1'],
      }),
      logger: mockServices.logger.mock(),
      freshFields: async row => {
        calls += 1;
        if (calls === 1) throw new Error('discovery unavailable');
        return freshDownloadUrl(row, { secret: SECRET, baseUrl: testBaseUrl });
      },
      backoffBaseMs: 20,
      pollMs: 50,
    });
    dispatchers.push(d);
    d.start();
    const attempts = await waitFor(async () => {
      const rows = await log(jobId);
      return rows.length === 2 ? rows : undefined;
    });
    expect(attempts.map(r => [r.attempt, r.error, r.delivered])).toEqual([
      [1, 'discovery unavailable', false],
      [2, null, true],
    ]);
    expect(receiver.received).toHaveLength(1);
  });

  it('a job failed for good (its lease ran out on the last attempt) gets its webhook too', async () => {
    receiver = await startWebhookReceiver();
    const { row } = await store.create(
      newExportJob({
        delivery: { type: 'webhook', url: `${receiver.baseUrl}/c` },
        maxAttempts: 1,
      }),
    );
    await store.claim({ workerId: 'w', leaseMs: 1, perTenantLimit: 2 });
    await new Promise(r => setTimeout(r, 20));
    expect(await store.requeueExpiredLeases()).toBe(1);
    dispatcher().start();
    await waitFor(async () =>
      receiver!.received.length === 1 ? true : undefined,
    );
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({
      exportId: row.id,
      status: 'failed',
      error: { type: 'internal' },
    });
    expect(JSON.parse(receiver.received[0].body).downloadUrl).toBeUndefined();
  });
});
