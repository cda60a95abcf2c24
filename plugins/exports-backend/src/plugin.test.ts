import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  permissionsByRule,
  RecordedEvent,
  startWebhookReceiver,
  waitFor,
  WebhookReceiver,
} from '@internal/plugin-platform-node/testUtils';
import { Knex } from 'knex';
import {
  busiestAccountIn,
  ExportsTestBackend,
  startExportsTestBackend,
} from './__testUtils__/exportsTestBackend';
import { ExportStore } from './service/ExportStore';
import { expireExports } from './service/expireExports';
import { LocalExportStorage } from './service/LocalExportStorage';
import { signDownloadToken } from './service/signedUrls';

jest.setTimeout(120_000);

const ALICE = 'user:default/sre-alice';
const BOB = 'user:default/analyst-bob';
const SECRET = 'exports-test-signing-secret';

describe('exports backend plugin (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let product: Knex;
  let own: Knex;
  let server: any;
  let root: string;
  let us: string;
  let eu: string;
  let backend: ExportsTestBackend;
  let as: ExportsTestBackend['as'];
  let create: ExportsTestBackend['create'];
  let finished: ExportsTestBackend['finished'];
  const bobAccount = () => us;
  const events: RecordedEvent[] = [];
  let receiver: WebhookReceiver;
  let hookUrl: string;
  const hooks = () => receiver.received;

  beforeAll(async () => {
    // A real receiver: the first call answers 500 (to exercise the retry), then 204.
    receiver = await startWebhookReceiver({
      statusFor: call => (call === 1 ? 500 : 204),
    });
    hookUrl = `${receiver.baseUrl}/hook`;
    root = mkdtempSync(join(tmpdir(), 'exports-test-'));
    backend = await startExportsTestBackend({
      databases,
      eventRows: 4000,
      events,
      permissions: permissionsByRule(({ permission, resourceRef }, p) => {
        if (p.type === 'user' && p.userEntityRef === ALICE) return true;
        switch (permission.name) {
          case 'exports.export.admin':
            return false;
          case 'filters.account.act':
            return resourceRef === bobAccount();
          case 'filters.data-class.read':
            return resourceRef === 'public';
          default:
            return true;
        }
      }),
      exportsConfig: {
        signingSecret: SECRET,
        storage: { localRoot: root },
        // A PDF over one row fails at run time (size_limit): the cancel/retry test's failure.
        limits: { pdf: { maxRows: 1 } },
        workers: 2,
        webhooks: {
          allowedHosts: ['127.0.0.1'],
          secret: 'hook-secret',
          attempts: 3,
          backoffBaseMs: 50,
        },
      },
    });
    ({ server, product, own, as, create, finished } = backend);
    us = await busiestAccountIn(product, 'us');
    eu = await busiestAccountIn(product, 'eu');
  });

  afterAll(async () => {
    await backend?.stop();
    await receiver?.close();
  });

  /** The file of a finished job (its storage key: `<region>/<id>.<attempt>.<format>`). */
  const fileOf = async (id: string): Promise<string> =>
    join(
      root,
      (await own('export_jobs').where({ id }).first()).storage_key as string,
    );

  const filesUnder = (region: string) =>
    existsSync(join(root, region))
      ? readdirSync(join(root, region)).filter(f => f !== '.tmp')
      : [];

  it('requires authentication', async () => {
    const res = await request(server)
      .get('/api/exports/v1/exports')
      .set('Authorization', mockCredentials.user.invalidHeader());
    expect(res.status).toBe(401);
  });

  it('queues a CSV export (202), runs it, and stores the file in the account region only', async () => {
    const started = Date.now();
    const res = await create(ALICE, {
      dataset: 'events',
      accountId: eu,
      fields: ['id', 'event_type', 'country'],
      format: 'csv',
      delivery: { type: 'download' },
    });
    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(5000); // generous: shared CI cores
    expect(res.body).toMatchObject({
      status: 'queued',
      region: 'eu',
      accountId: eu,
      requestedBy: ALICE,
    });
    const job = await finished(ALICE, res.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.progress).toBe(1);
    const path = await fileOf(job.id);
    expect(path.startsWith(join(root, 'eu', `${job.id}.`))).toBe(true);
    expect(filesUnder('eu')).toEqual([path.split('/').pop()]);
    expect(filesUnder('us')).toEqual([]);
    const text = readFileSync(path, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('id,event_type,country');
    const expected = (
      await product('events').where({ account_id: eu }).select('id')
    )
      .map(r => String(r.id))
      .sort();
    expect(
      lines
        .slice(1)
        .map(l => l.split(',')[0])
        .sort(),
    ).toEqual(expected);
    expect(job.rowsWritten).toBe(expected.length);
    expect(job.bytesWritten).toBe(Buffer.byteLength(text));
    // Analytics events with the schema's properties.
    const requested = events.find(
      e => e.name === 'export.requested' && e.properties.export_id === job.id,
    );
    expect(requested).toMatchObject({
      properties: { format: 'csv', filter_hash: expect.any(String) },
      identity: { user_id: ALICE, account_id: eu },
    });
    expect(requested!.properties.estimated_rows).toBeGreaterThan(0);
    const completed = await waitFor(async () =>
      events.find(
        e => e.name === 'export.completed' && e.properties.export_id === job.id,
      ),
    );
    expect(completed.properties).toMatchObject({
      format: 'csv',
      row_count: expected.length,
      file_size_bytes: Buffer.byteLength(text),
    });
    // Tenant isolation: no other account's event id appears.
    const others = new Set(
      (await product('events').whereNot({ account_id: eu }).select('id')).map(
        r => String(r.id),
      ),
    );
    expect(lines.slice(1).some(l => others.has(l.split(',')[0]))).toBe(false);
  });

  it('answers the same job for the same idempotency key of the same caller', async () => {
    const body = {
      dataset: 'events',
      accountId: us,
      format: 'csv',
      delivery: { type: 'download' },
      idempotencyKey: 'k-1',
    };
    const first = await create(BOB, body);
    const second = await create(BOB, body);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const alices = await create(ALICE, body);
    expect(alices.status).toBe(202);
    expect(alices.body.id).not.toBe(first.body.id);
    const done = await finished(BOB, first.body.id);
    expect(done.status).toBe('succeeded');
    // Bob may not read pii: his file has the public columns only.
    const header = readFileSync(await fileOf(done.id), 'utf8')
      .split('\n')[0]
      .split(',');
    expect(header).toContain('event_type');
    expect(header).not.toContain('email');
  });

  it('refuses bad input with 400 naming the field, and accounts one may not act for with 403', async () => {
    const bad = await create(BOB, {
      dataset: 'events',
      accountId: us,
      format: 'docx',
      delivery: { type: 'download' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/format/);
    const field = await create(BOB, {
      dataset: 'events',
      accountId: us,
      fields: ['nope'],
      format: 'csv',
      delivery: { type: 'download' },
    });
    expect(field.status).toBe(400);
    expect(field.body.error.message).toMatch(/fields\[0\]/);
    const pii = await create(BOB, {
      dataset: 'events',
      accountId: us,
      fields: ['id', 'email'],
      format: 'csv',
      delivery: { type: 'download' },
    });
    expect(pii.status).toBe(403);
    expect(pii.body.error.message).toMatch(/fields\[1\].*data class "pii"/);
    const other = await create(BOB, {
      dataset: 'events',
      accountId: eu,
      format: 'csv',
      delivery: { type: 'download' },
    });
    expect(other.status).toBe(403);
    const hook = await create(BOB, {
      dataset: 'events',
      accountId: us,
      format: 'csv',
      delivery: { type: 'webhook', url: 'http://evil.example/x' },
    });
    expect(hook.status).toBe(400);
    expect(hook.body.error.message).toMatch(
      /delivery\.url: host evil\.example is not in exports\.webhooks\.allowedHosts/,
    );
  });

  it("hides other people's jobs (404) and lists only one's own unless admin", async () => {
    const res = await create(ALICE, {
      dataset: 'events',
      accountId: us,
      format: 'csv',
      delivery: { type: 'download' },
    });
    const peek = await request(server)
      .get(`/api/exports/v1/exports/${res.body.id}`)
      .set(as(BOB));
    expect(peek.status).toBe(404);
    const mine = await request(server)
      .get('/api/exports/v1/exports')
      .set(as(BOB));
    expect(mine.status).toBe(200);
    expect(mine.body.items.every((j: any) => j.requestedBy === BOB)).toBe(true);
    expect(
      (
        await request(server)
          .get('/api/exports/v1/exports?all=true')
          .set(as(BOB))
      ).status,
    ).toBe(403);
    const all = await request(server)
      .get(`/api/exports/v1/exports?all=true&accountId=${us}`)
      .set(as(ALICE));
    expect(all.status).toBe(200);
    expect(all.body.items.map((j: any) => j.requestedBy)).toContain(BOB);
    await finished(ALICE, res.body.id);
  });

  it('signs download URLs: valid 200 byte-identical, tampered 403, expired 410, purged 410', async () => {
    const res = await create(ALICE, {
      dataset: 'events',
      accountId: us,
      fields: ['id', 'properties'],
      format: 'csv',
      delivery: { type: 'download' },
    });
    const job = await finished(ALICE, res.body.id);
    expect(job.status).toBe('succeeded');
    const url = await request(server)
      .post(`/api/exports/v1/exports/${job.id}/download-url`)
      .set(as(ALICE));
    expect(url.status).toBe(200);
    const file = readFileSync(await fileOf(job.id));
    const ok = await request(server)
      .get(`/api/exports${url.body.url}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(ok.status).toBe(200);
    expect(Buffer.compare(ok.body, file)).toBe(0);

    const token: string = url.body.url.split('/').pop();
    const tampered = `${token.slice(0, 10)}${
      token[10] === 'A' ? 'B' : 'A'
    }${token.slice(11)}`;
    expect(
      (await request(server).get(`/api/exports/v1/download/${tampered}`))
        .status,
    ).toBe(403);
    const expired = signDownloadToken(SECRET, job.id, new Date(Date.now() - 1));
    expect(
      (await request(server).get(`/api/exports/v1/download/${expired}`)).status,
    ).toBe(410);

    // Retention: past its expiry the purge deletes the file and the link answers 410.
    const { storage_key: key } = await own('export_jobs')
      .where({ id: job.id })
      .first();
    expect(existsSync(join(root, key))).toBe(true);
    await own('export_jobs')
      .where({ id: job.id })
      .update({ expires_at: new Date(Date.now() - 1000) });
    const purged = await expireExports({
      store: new ExportStore(own),
      storage: new LocalExportStorage(root),
      auditor: mockServices.auditor.mock(),
      logger: mockServices.logger.mock(),
    });
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(root, key))).toBe(false);
    const gone = await request(server).get(`/api/exports${url.body.url}`);
    expect(gone.status).toBe(410);
    const after = await request(server)
      .get(`/api/exports/v1/exports/${job.id}`)
      .set(as(ALICE));
    expect(after.body.status).toBe('expired');
  });

  it('POSTs the outcome to an allow-listed webhook, signed over timestamp and body, retrying after a 500, with a delivery log', async () => {
    const res = await create(ALICE, {
      dataset: 'events',
      accountId: us,
      fields: ['id'],
      format: 'csv',
      delivery: { type: 'webhook', url: hookUrl },
    });
    expect(res.status).toBe(202);
    const job = await finished(ALICE, res.body.id);
    expect(job.status).toBe('succeeded');
    await waitFor(async () => (hooks().length >= 2 ? true : undefined));
    for (const hook of hooks()) {
      const ts = String(hook.headers['x-timestamp']);
      expect(hook.headers['x-signature']).toBe(
        `sha256=${createHmac('sha256', 'hook-secret')
          .update(`${ts}.${hook.body}`)
          .digest('hex')}`,
      );
      expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(300);
    }
    const payload = JSON.parse(hooks()[1].body);
    expect(payload).toMatchObject({
      exportId: job.id,
      status: 'succeeded',
      rowsWritten: job.rowsWritten,
    });
    expect(payload.downloadUrl).toMatch(/\/api\/exports\/v1\/download\//);
    const path = new URL(payload.downloadUrl).pathname;
    expect((await request(server).get(path)).status).toBe(200);
    const log = await waitFor(async () => {
      const rows = await own('export_webhook_deliveries')
        .where({ job_id: job.id })
        .orderBy('id');
      return rows.length === 2 ? rows : undefined;
    });
    expect(log.map(r => [r.attempt, r.status_code, r.delivered])).toEqual([
      [1, 500, false],
      [2, 204, true],
    ]);
  });

  it('cancels and retries', async () => {
    // A PDF over its row cap fails at run time; retry puts it back in the queue.
    const res = await create(ALICE, {
      dataset: 'events',
      accountId: us,
      format: 'pdf',
      delivery: { type: 'download' },
    });
    const failed = await finished(ALICE, res.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.error.type).toBe('size_limit');
    const failedEvent = await waitFor(async () =>
      events.find(
        e => e.name === 'export.failed' && e.properties.export_id === failed.id,
      ),
    );
    expect(failedEvent.properties).toMatchObject({
      error_type: 'size_limit',
      retry_count: 0,
    });
    const conflict = await request(server)
      .post(`/api/exports/v1/exports/${failed.id}/cancel`)
      .set(as(ALICE));
    expect(conflict.status).toBe(409);
    const retried = await request(server)
      .post(`/api/exports/v1/exports/${failed.id}/retry`)
      .set(as(ALICE));
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('queued');
    const cancelled = await request(server)
      .post(`/api/exports/v1/exports/${failed.id}/cancel`)
      .set(as(ALICE));
    // The worker may have picked it up already and failed it again.
    expect([200, 409]).toContain(cancelled.status);
    // Settled, so no run is left when the test databases close.
    expect(['cancelled', 'failed']).toContain(
      (await finished(ALICE, failed.id)).status,
    );
  });
});
