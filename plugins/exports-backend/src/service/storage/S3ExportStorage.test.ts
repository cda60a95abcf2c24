import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { ConfigReader } from '@backstage/config';
import S3rver from 's3rver';
import { createExportStorage } from './createExportStorage';
import { ExportRegion } from './ExportStorage';
import { S3ExportStorage } from './S3ExportStorage';
import {
  inspectorClient,
  keysIn,
  s3StorageConfig,
  startS3rver,
  stopS3rver,
} from './__testUtils__/s3rverForTests';
import { exportStorageContract, readAll, writeAll } from './storageContract';

jest.setTimeout(60_000);

let server: S3rver;
let endpoint: string;

beforeAll(async () => {
  ({ server, endpoint } = await startS3rver([]));
});

afterAll(async () => {
  if (server) await stopS3rver(server);
});

const s3Config = (buckets: Record<ExportRegion, string>, at = endpoint) =>
  s3StorageConfig(at, buckets);

/** Fresh buckets per storage, so tests never see each other's objects. */
async function freshStorage() {
  const suffix = randomUUID().slice(0, 8);
  const buckets = { us: `exports-us-${suffix}`, eu: `exports-eu-${suffix}` };
  const client = inspectorClient(endpoint);
  for (const bucket of Object.values(buckets)) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  const storage = createExportStorage(s3Config(buckets));
  expect(storage).toBeInstanceOf(S3ExportStorage);
  return {
    storage: storage as S3ExportStorage,
    buckets,
    objectsIn: (region: ExportRegion) => keysIn(client, buckets[region]),
  };
}

describe('S3ExportStorage on s3rver (ExportStorage contract)', () => {
  it.each(Object.entries(exportStorageContract))('%s', async (_name, check) => {
    expect.hasAssertions();
    await check((await freshStorage()).storage);
  });
});

describe('S3ExportStorage on s3rver', () => {
  it('stores an EU job only in the EU bucket and a US job only in the US bucket', async () => {
    const { storage, objectsIn } = await freshStorage();
    const euJob = randomUUID();
    const usJob = randomUUID();
    const eu = await storage.begin('eu', euJob, 'lease');
    await writeAll(eu.stream, Buffer.from('eu,row\n'));
    await storage.commit(eu, storage.keyFor('eu', euJob, 'csv', 'a1'));
    const us = await storage.begin('us', usJob, 'lease');
    await writeAll(us.stream, Buffer.from('us,row,longer\n'));
    await storage.commit(us, storage.keyFor('us', usJob, 'csv', 'a1'));

    expect(await objectsIn('eu')).toEqual([`eu/${euJob}.a1.csv`]);
    expect(await objectsIn('us')).toEqual([`us/${usJob}.a1.csv`]);
    expect(await storage.bytesByRegion()).toEqual({ us: 14, eu: 7 });
  });

  it('refuses to commit an EU file under a US key', async () => {
    const { storage, objectsIn } = await freshStorage();
    const jobId = randomUUID();
    const pending = await storage.begin('eu', jobId, 'lease');
    await writeAll(pending.stream, Buffer.from('eu data\n'));
    await expect(
      storage.commit(pending, storage.keyFor('us', jobId, 'csv', 'a1')),
    ).rejects.toThrow(/written in region eu cannot be stored under 'us\//);
    await storage.discard(pending);
    expect(await objectsIn('us')).toEqual([]);
    expect(await objectsIn('eu')).toEqual([]);
  });

  it('streams a multipart upload and leaves no object when it is aborted midway', async () => {
    const { buckets, objectsIn } = await freshStorage();
    const commands: string[] = [];
    const client = inspectorClient(endpoint);
    client.middlewareStack.add(
      (next, context) => args => {
        commands.push(context.commandName!);
        return next(args);
      },
      { step: 'initialize' },
    );
    const storage = new S3ExportStorage({
      targets: {
        us: { client, bucket: buckets.us },
        eu: { client, bucket: buckets.eu },
      },
    });
    const jobId = randomUUID();
    const pending = await storage.begin('us', jobId, 'lease');
    // 12 MiB written, not ended: two 5 MiB parts are uploaded, the rest never is.
    const chunk = randomBytes(1024 * 1024);
    for (let i = 0; i < 12; i++) {
      if (!pending.stream.write(chunk)) {
        await new Promise(resolve => pending.stream.once('drain', resolve));
      }
    }
    await storage.discard(pending);
    expect(commands.filter(name => name === 'UploadPartCommand')).toHaveLength(
      2,
    );
    expect(commands).toContain('AbortMultipartUploadCommand');
    expect(commands).not.toContain('CompleteMultipartUploadCommand');
    expect(await objectsIn('us')).toEqual([]);
    expect(await objectsIn('eu')).toEqual([]);
    expect(await storage.exists(storage.keyFor('us', jobId, 'csv', 'a1'))).toBe(
      false,
    );
  });

  it('commits a multipart file of 12 MiB byte-identical', async () => {
    const { storage, objectsIn } = await freshStorage();
    const jobId = randomUUID();
    const data = randomBytes(12 * 1024 * 1024 + 3);
    const pending = await storage.begin('eu', jobId, 'lease');
    await writeAll(pending.stream, data);
    const key = storage.keyFor('eu', jobId, 'csv', 'a1');
    await storage.commit(pending, key);
    expect(await objectsIn('eu')).toEqual([key]);
    expect((await readAll(storage.open(key))).equals(data)).toBe(true);
  });

  it('signs download URLs that an HTTP client can fetch until they expire', async () => {
    const { storage } = await freshStorage();
    const jobId = randomUUID();
    const data = Buffer.from('id,name\n1,"a, b"\n');
    const pending = await storage.begin('eu', jobId, 'lease');
    await writeAll(pending.stream, data);
    const key = storage.keyFor('eu', jobId, 'csv', 'a1');
    await storage.commit(pending, key);

    const url = await storage.presignedDownloadUrl(key, 60, {
      filename: `export-${jobId}.csv`,
      contentType: 'text/csv',
    });
    expect(url).toContain('X-Amz-Expires=60');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="export-${jobId}.csv"`,
    );
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);

    // s3rver checks a URL's expiry but not its SigV4 signature (unimplemented there), so
    // tampering is S3's to refuse and is not tested here.
    const shortLived = await storage.presignedDownloadUrl(key, 1);
    expect((await fetch(shortLived)).status).toBe(200);
    await new Promise(resolve => setTimeout(resolve, 2_100));
    const expired = await fetch(shortLived);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/Request has expired/);
    await expect(storage.presignedDownloadUrl(key, 0)).rejects.toThrow(
      /ttlSeconds must be an integer from 1/,
    );
  });

  it('answers a missing file as absent and refuses keys outside the layout', async () => {
    const { storage } = await freshStorage();
    expect(await storage.exists('eu/missing.csv')).toBe(false);
    await expect(storage.size('eu/missing.csv')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(readAll(storage.open('eu/missing.csv'))).rejects.toMatchObject(
      { name: 'NotFoundError' },
    );
    expect(() => storage.open('eu/.tmp/x.part')).toThrow(
      /not '<region>\/<file>'/,
    );
    expect(() => storage.open('ch/x.csv')).toThrow(/not '<region>\/<file>'/);
  });
});

describe('S3ExportStorage when the storage is unavailable', () => {
  async function closedPort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise(resolve => probe.close(resolve));
    return port;
  }

  it('fails begin with ServiceUnavailableError before anything is written', async () => {
    const storage = createExportStorage(
      s3Config(
        { us: 'exports-us', eu: 'exports-eu' },
        `http://127.0.0.1:${await closedPort()}`,
      ),
    );
    await expect(
      storage.begin('eu', randomUUID(), 'lease'),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(
        /reaching the bucket in bucket 'exports-eu' failed/,
      ),
    });
    await expect(storage.exists('eu/x.csv')).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
    });
  });

  it('ends the stream with an error (not a hang) when the server goes away mid-upload', async () => {
    const own = await startS3rver(['down-us', 'down-eu']);
    const storage = createExportStorage(
      s3Config({ us: 'down-us', eu: 'down-eu' }, own.endpoint),
    );
    const pending = await storage.begin('us', randomUUID(), 'lease');
    await stopS3rver(own.server);
    const error = await new Promise<Error>(resolve => {
      pending.stream.once('error', resolve);
      const chunk = randomBytes(1024 * 1024);
      const writeMore = (left: number) => {
        if (left === 0) {
          pending.stream.end();
          return;
        }
        if (pending.stream.write(chunk)) writeMore(left - 1);
        else pending.stream.once('drain', () => writeMore(left - 1));
      };
      writeMore(12);
    });
    expect(error.name).toBe('ServiceUnavailableError');
    await expect(
      storage.commit(pending, storage.keyFor('us', 'x', 'csv', 'a1')),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableError' });
  });
});

describe('createExportStorage', () => {
  it('picks local storage by default and refuses unknown types and shared buckets', () => {
    expect(createExportStorage(new ConfigReader({})).constructor.name).toBe(
      'LocalExportStorage',
    );
    expect(() =>
      createExportStorage(
        new ConfigReader({ exports: { storage: { type: 'gcs' } } }),
      ),
    ).toThrow(/exports.storage.type must be 'local' or 's3', got 'gcs'/);
    expect(() =>
      createExportStorage(s3Config({ us: 'same', eu: 'same' })),
    ).toThrow(/us and eu must be different buckets/);
    expect(() =>
      createExportStorage(
        new ConfigReader({
          exports: { storage: { type: 's3', s3: { buckets: { us: 'u' } } } },
        }),
      ),
    ).toThrow(/buckets\.eu/);
  });
});
