import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader } from '@backstage/config';
import { throttledExporter } from '../../__testUtils__/throttledExporter';
import { ExportRunner } from '../ExportRunner';
import { DbExportJobRow } from '../ExportStore';
import { createExportStorage } from './createExportStorage';
import { ExportStorage } from './ExportStorage';
import {
  demoCsvJob,
  testRunnerTiming,
  useExportRunnerFixture,
  waitForJob,
} from './__testUtils__/exportRunnerFixture';
import {
  inspectorClient,
  keysIn,
  s3StorageConfig,
  startS3rver,
  stopS3rver,
} from './__testUtils__/s3rverForTests';
import { readAll } from './storageContract';

jest.setTimeout(300_000);

describe('ExportRunner on S3ExportStorage (real Postgres, s3rver)', () => {
  const fixture = useExportRunnerFixture();
  const runners: ExportRunner[] = [];
  afterEach(async () => {
    await Promise.all(runners.splice(0).map(r => r.stop()));
  });

  function startRunner(storage: ExportStorage, delayMsPerChunk = 0) {
    const { store, engine } = fixture();
    const runner = new ExportRunner({
      ...testRunnerTiming,
      store,
      storage,
      exporter: throttledExporter(engine, delayMsPerChunk),
    });
    runners.push(runner);
    runner.start();
    return runner;
  }

  const settled = (id: string) =>
    waitForJob(fixture().store, id, row =>
      ['succeeded', 'failed', 'cancelled'].includes(row.status),
    );
  const create = async (region: 'us' | 'eu'): Promise<DbExportJobRow> =>
    (await fixture().store.create(demoCsvJob(fixture().account, { region })))
      .row;

  it('completes an EU job into the EU bucket only, byte-identical to a local-storage run', async () => {
    const suffix = randomUUID().slice(0, 8);
    const buckets = { us: `us-${suffix}`, eu: `eu-${suffix}` };
    const { server, endpoint } = await startS3rver(Object.values(buckets));
    try {
      const s3 = createExportStorage(s3StorageConfig(endpoint, buckets));
      const row = await create('eu');
      const runner = startRunner(s3);
      const done = await settled(row.id);
      expect(done.status).toBe('succeeded');
      expect(done.completions).toBe(1);
      expect(done.storage_key).toMatch(
        new RegExp(`^eu/${row.id}\\.[0-9a-f-]{36}\\.csv$`),
      );
      const client = inspectorClient(endpoint);
      expect(await keysIn(client, buckets.eu)).toEqual([done.storage_key]);
      expect(await keysIn(client, buckets.us)).toEqual([]);
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
      const reference = await create('eu');
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
    const row = await create('us');
    startRunner(
      createExportStorage(
        s3StorageConfig(endpoint, { us: 'down-us', eu: 'down-eu' }),
      ),
    );
    const retried = await waitForJob(
      fixture().store,
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
    const row = await create('eu');
    startRunner(
      createExportStorage(
        s3StorageConfig(endpoint, { us: 'mid-us', eu: 'mid-eu' }),
      ),
      20,
    );
    await waitForJob(
      fixture().store,
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
      const client = inspectorClient(again.endpoint);
      expect(await keysIn(client, 'mid-eu')).toEqual([]);
      expect(await keysIn(client, 'mid-us')).toEqual([]);
    } finally {
      await stopS3rver(again.server);
    }
  });
});
