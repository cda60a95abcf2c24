import request from 'supertest';
import { TestDatabases } from '@backstage/backend-test-utils';
import { permissionsByRule } from '@internal/plugin-platform-node/testUtils';
import S3rver from 's3rver';
import {
  busiestAccountIn,
  ExportsTestBackend,
  startExportsTestBackend,
} from './__testUtils__/exportsTestBackend';
import {
  inspectorClient,
  keysIn,
  S3RVER_CREDENTIALS,
  startS3rver,
  stopS3rver,
} from './service/storage/__testUtils__/s3rverForTests';

jest.setTimeout(120_000);

const USER = 'user:default/sre-alice';
const BUCKETS = { us: 'exports-us', eu: 'exports-eu' };

describe('exports backend plugin on S3 storage (real s3rver, real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let s3: { server: S3rver; endpoint: string };
  let backend: ExportsTestBackend;

  beforeAll(async () => {
    s3 = await startS3rver(Object.values(BUCKETS));
    backend = await startExportsTestBackend({
      databases,
      eventRows: 1000,
      permissions: permissionsByRule(() => true),
      exportsConfig: {
        storage: {
          type: 's3',
          s3: {
            endpoint: s3.endpoint,
            forcePathStyle: true,
            credentials: S3RVER_CREDENTIALS,
            buckets: BUCKETS,
            requestTimeoutSeconds: 5,
          },
        },
      },
    });
  });

  afterAll(async () => {
    await backend?.stop();
    if (s3) await stopS3rver(s3.server);
  });

  it('stores an EU account’s file in the EU bucket only and downloads it by a redirect to a storage-signed URL', async () => {
    const accountId = await busiestAccountIn(backend.product, 'eu');
    const created = await backend.create(USER, {
      dataset: 'events',
      accountId,
      fields: ['id', 'event_type'],
      format: 'csv',
      delivery: { type: 'download' },
    });
    expect(created.status).toBe(202);
    const job = await backend.finished(USER, created.body.id);
    expect(job).toMatchObject({ status: 'succeeded', region: 'eu' });

    const inspector = inspectorClient(s3.endpoint);
    const euKeys = await keysIn(inspector, BUCKETS.eu);
    expect(euKeys).toHaveLength(1);
    // This attempt's own key: <region>/<job id>.<lease token>.csv
    expect(euKeys[0]).toMatch(
      new RegExp(`^eu/${job.id}\\.[0-9a-f-]{36}\\.csv$`),
    );
    expect(await keysIn(inspector, BUCKETS.us)).toEqual([]);

    const signed = await request(backend.server)
      .post(`/api/exports/v1/exports/${job.id}/download-url`)
      .set(backend.as(USER));
    expect(signed.status).toBe(200);
    const download = await request(backend.server).get(
      `/api/exports${signed.body.url}`,
    );
    expect(download.status).toBe(302);
    const location = download.headers.location as string;
    expect(location.startsWith(`${s3.endpoint}/${BUCKETS.eu}/`)).toBe(true);

    // The browser follows the redirect to the storage itself.
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain(
      `export-${job.id}.csv`,
    );
    const lines = (await file.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('id,event_type');
    expect(lines).toHaveLength(job.rowsWritten + 1);
    const rows = await backend
      .product('events')
      .where({ account_id: accountId })
      .count<{ n: string }[]>('* as n');
    expect(job.rowsWritten).toBe(Number(rows[0].n));
  });
});
