import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Server } from 'node:http';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { seedProductData } from '@internal/dev-database';
import { FilterEngine } from '@internal/plugin-filters-node';
import { connectionOfKnex } from '@internal/plugin-filters-node/testUtils';
import { Knex } from 'knex';
import S3rver from 's3rver';
import {
  demoEngine,
  throttledExporter,
} from '../../__testUtils__/throttledExporter';
import { ExportRunner, ExportRunnerOptions } from '../ExportRunner';
import { DbExportJobRow, ExportStore, NewExportJob } from '../ExportStore';
import { createExportStorage } from './createExportStorage';
import { ExportRegion, ExportStorage } from './ExportStorage';
import { readAll } from './storageContract';

jest.setTimeout(300_000);

const migrations = { directory: `${__dirname}/../../../migrations` };
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function startS3rver(buckets: string[], directory?: string) {
  const dir =
    directory ?? (await mkdtemp(join(tmpdir(), 'exports-runner-s3rver-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map(name => ({ name, configs: [] })),
  });
  const { port } = await server.run();
  return { server, endpoint: `http://127.0.0.1:${port}`, directory: dir };
}

/** Stops the server and drops kept-alive sockets too (a plain close lets clients finish on them). */
async function stopS3rver(server: S3rver) {
  const closing = server.close();
  (
    server as unknown as { httpServer: Server }
  ).httpServer.closeAllConnections();
  await closing;
}

function s3Storage(endpoint: string, buckets: Record<ExportRegion, string>) {
  return createExportStorage(
    new ConfigReader({
      exports: {
        storage: {
          type: 's3',
          s3: {
            endpoint,
            forcePathStyle: true,
            credentials,
            buckets,
            requestTimeoutSeconds: 5,
          },
        },
      },
    }),
  );
}

async function keysIn(endpoint: string, bucket: string): Promise<string[]> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
  });
  const listed = await client.send(
    new ListObjectsV2Command({ Bucket: bucket }),
  );
  return (listed.Contents ?? []).map(object => object.Key!);
}

describe('ExportRunner on S3ExportStorage (real Postgres, s3rver)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let own: Knex;
  let engine: FilterEngine;
  let store: ExportStore;
  let account: string;
  const runners: ExportRunner[] = [];

  beforeAll(async () => {
    const product = await databases.init('POSTGRES_18');
    own = await databases.init('POSTGRES_18');
    await own.migrate.latest(migrations);
    await seedProductData(product, { eventRows: 20_000 });
    account = String(
      (await product('events')
        .select('account_id')
        .count('* as n')
        .groupBy('account_id')
        .orderBy('n', 'desc')
        .first())!.account_id,
    );
    engine = demoEngine(JSON.parse(JSON.stringify(connectionOfKnex(product))));
    store = new ExportStore(own);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map(r => r.stop()));
  });
  afterAll(async () => {
    await engine.close();
  });

  const newJob = (region: ExportRegion): NewExportJob => ({
    dataset: 'events',
    accountId: account,
    region,
    plan: 'enterprise',
    format: 'csv',
    delivery: { type: 'download' },
    fields: ['id', 'event_type', 'country', 'properties'],
    readableDataClasses: ['public'],
    requestedBy: 'user:default/a',
  });

  function startRunner(storage: ExportStorage, delayMsPerChunk = 0) {
    const runner = new ExportRunner({
      store,
      // The runner is typed on LocalExportStorage until it is wired to ExportStorage.
      storage: storage as unknown as ExportRunnerOptions['storage'],
      exporter: throttledExporter(engine, delayMsPerChunk),
      logger: mockServices.logger.mock(),
      workers: 1,
      leaseMs: 30_000,
      heartbeatMs: 100,
      pollMs: 50,
      perTenantLimit: 2,
      retentionMs: 86_400_000,
      maxBytes: 1024 ** 3,
    });
    runners.push(runner);
    runner.start();
    return runner;
  }

  async function waitForRow(
    id: string,
    done: (row: DbExportJobRow) => boolean,
  ): Promise<DbExportJobRow> {
    const until = Date.now() + 60_000;
    for (;;) {
      const row = await store.get(id);
      if (row && done(row)) return row;
      if (Date.now() > until) throw new Error(`job ${id} never got there`);
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }

  const settled = (id: string) =>
    waitForRow(id, row =>
      ['succeeded', 'failed', 'cancelled'].includes(row.status),
    );

  it('completes an EU job into the EU bucket only, byte-identical to a local-storage run', async () => {
    const suffix = randomUUID().slice(0, 8);
    const buckets = { us: `us-${suffix}`, eu: `eu-${suffix}` };
    const { server, endpoint } = await startS3rver(Object.values(buckets));
    try {
      const s3 = s3Storage(endpoint, buckets);
      const { row } = await store.create(newJob('eu'));
      const runner = startRunner(s3);
      const done = await settled(row.id);
      expect(done.status).toBe('succeeded');
      expect(done.completions).toBe(1);
      expect(done.storage_key).toBe(`eu/${row.id}.csv`);
      expect(await keysIn(endpoint, buckets.eu)).toEqual([done.storage_key]);
      expect(await keysIn(endpoint, buckets.us)).toEqual([]);
      const stored = await readAll(s3.open(done.storage_key!));
      expect(stored.length).toBe(Number(done.bytes_written));
      expect(await s3.bytesByRegion!()).toEqual({
        us: 0,
        eu: Number(done.bytes_written),
      });
      await runner.stop();

      const local = createExportStorage(
        new ConfigReader({
          exports: {
            storage: {
              localRoot: await mkdtemp(join(tmpdir(), 'exports-local-')),
            },
          },
        }),
      );
      const { row: reference } = await store.create(newJob('eu'));
      startRunner(local);
      const referenceDone = await settled(reference.id);
      expect(referenceDone.status).toBe('succeeded');
      const expected = await readAll(local.open(referenceDone.storage_key!));
      expect(expected.toString('utf8').split('\n')[0]).toBe(
        'id,event_type,country,properties',
      );
      expect(stored.equals(expected)).toBe(true);
    } finally {
      await stopS3rver(server);
    }
  });

  it('puts the job back in the queue (retryable) when the bucket is unreachable at the start', async () => {
    const { server, endpoint } = await startS3rver(['down-us', 'down-eu']);
    await stopS3rver(server);
    const { row } = await store.create(newJob('us'));
    startRunner(s3Storage(endpoint, { us: 'down-us', eu: 'down-eu' }));
    const retried = await waitForRow(
      row.id,
      r => r.attempts === 1 && r.status === 'queued',
    );
    expect(retried.error_type).toBe('internal');
    expect(retried.run_after.getTime()).toBeGreaterThan(Date.now());
    expect(retried.storage_key).toBeNull();
  });

  it('fails the job with storage_failed, leaving no object, when the storage goes away mid-run', async () => {
    const { server, endpoint, directory } = await startS3rver([
      'mid-us',
      'mid-eu',
    ]);
    const { row } = await store.create(newJob('eu'));
    startRunner(s3Storage(endpoint, { us: 'mid-us', eu: 'mid-eu' }), 20);
    await waitForRow(
      row.id,
      r => r.status === 'running' && Number(r.bytes_written) > 0,
    );
    await stopS3rver(server);
    const failed = await settled(row.id);
    expect(failed.status).toBe('failed');
    expect(failed.error_type).toBe('storage_failed');
    expect(failed.error_message).toMatch(/ServiceUnavailableError/);
    expect(failed.completions).toBe(0);
    // The same data directory served again: neither bucket holds an object.
    const again = await startS3rver([], directory);
    try {
      expect(await keysIn(again.endpoint, 'mid-eu')).toEqual([]);
      expect(await keysIn(again.endpoint, 'mid-us')).toEqual([]);
    } finally {
      await stopS3rver(again.server);
    }
  });
});
