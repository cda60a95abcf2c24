import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigReader } from '@backstage/config';
import { TestDatabases } from '@backstage/backend-test-utils';
import S3rver from 's3rver';
import { AuditStore } from '../AuditStore';
import { AuditKeyring } from './hmacKeys';
import { AuditCheckpointer } from './AuditCheckpointer';
import { checkpointSinkFromConfig } from './checkpointSinkFromConfig';
import { S3CheckpointSink } from './S3CheckpointSink';
import { FileCheckpointSink } from './FileCheckpointSink';
import { migratePlatform } from './__testUtils__/appRole';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

describe('S3 checkpoint sink (s3rver)', () => {
  let server: S3rver;
  let endpoint: string;

  beforeAll(async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 's3rver-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      configureBuckets: [{ name: 'audit-checkpoints', configs: [] }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  const s3Config = (prefix: string) =>
    new ConfigReader({
      platform: {
        audit: {
          checkpoints: {
            sink: 's3',
            s3: {
              bucket: 'audit-checkpoints',
              prefix,
              endpoint,
              forcePathStyle: true,
              region: 'us-east-1',
              accessKeyId: 'S3RVER',
              secretAccessKey: 'S3RVER',
            },
          },
        },
      },
    });

  it('writes one object per checkpoint and verify compares the chain with them', async () => {
    const db = await databases.init('POSTGRES_18');
    await migratePlatform(db);
    const keyring = new AuditKeyring('k1', {
      k1: randomBytes(32).toString('hex'),
    });
    const audit = new AuditStore(db, { keyring });
    const sink = checkpointSinkFromConfig(s3Config('run-1/'));
    expect(sink).toBeInstanceOf(S3CheckpointSink);
    expect(sink.description).toBe('s3://audit-checkpoints/run-1/');
    const checkpointer = new AuditCheckpointer(audit, sink);
    for (let i = 0; i < 3; i++) {
      await audit.append({
        actor: 'user:default/a',
        action: 'exports.export-create',
        resource: `r${i}`,
        outcome: 'succeeded',
      });
      expect(await checkpointer.checkpoint()).toEqual({
        written: true,
        seq: String(i + 1),
      });
    }
    const read = await sink.readAll();
    expect(read.checkpoints.map(c => c.seq).sort()).toEqual(['1', '2', '3']);
    expect(read.problems).toEqual([]);
    expect(
      await audit.verify({ checkpoints: { sink: sink.description, ...read } }),
    ).toMatchObject({ valid: true, checkpoints: { compared: 3 } });

    // Someone with S3 write access but no key drops a junk object and a forged checkpoint.
    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await client.send(
      new PutObjectCommand({
        Bucket: 'audit-checkpoints',
        Key: 'run-1/junk.json',
        Body: '{"not":"a checkpoint"}',
      }),
    );
    const forged = { ...read.checkpoints[0], seq: '9' };
    await client.send(
      new PutObjectCommand({
        Bucket: 'audit-checkpoints',
        Key: S3CheckpointSink.keyFor('run-1/', forged),
        Body: JSON.stringify(forged),
      }),
    );
    const after = await sink.readAll();
    const result = await audit.verify({
      checkpoints: { sink: sink.description, ...after },
    });
    expect(result.valid).toBe(true);
    expect(result.checkpoints?.problems).toEqual([
      's3://audit-checkpoints/run-1/junk.json is not a checkpoint',
      expect.stringContaining('(seq 9) has an invalid MAC'),
    ]);
  });

  it('reads the file sink by default, relative to the repository root', () => {
    const sink = checkpointSinkFromConfig(new ConfigReader({}));
    expect(sink).toBeInstanceOf(FileCheckpointSink);
    expect(sink.description).toMatch(
      /^file:\/.*\/\.data\/platform-audit-checkpoints\.ndjson$/,
    );
    expect(() =>
      checkpointSinkFromConfig(
        new ConfigReader({
          platform: { audit: { checkpoints: { sink: 'ftp' } } },
        }),
      ),
    ).toThrow("platform.audit.checkpoints.sink must be 'file' or 's3'");
  });
});
