import { mkdtemp } from 'node:fs/promises';
import { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ConfigReader } from '@backstage/config';
import S3rver from 's3rver';
import { ExportRegion } from '../ExportStorage';

/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = {
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
};

/** A real S3-compatible server on a free loopback port, storing under `directory` (default: a new temporary one). */
export async function startS3rver(buckets: string[], directory?: string) {
  const dir = directory ?? (await mkdtemp(join(tmpdir(), 'exports-s3rver-')));
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
export async function stopS3rver(server: S3rver): Promise<void> {
  const closing = server.close();
  (
    server as unknown as { httpServer: Server }
  ).httpServer.closeAllConnections();
  await closing;
}

/** `exports.storage` for S3 storage on the server at `endpoint`. */
export function s3StorageConfig(
  endpoint: string,
  buckets: Record<ExportRegion, string>,
): ConfigReader {
  return new ConfigReader({
    exports: {
      storage: {
        type: 's3',
        s3: {
          endpoint,
          forcePathStyle: true,
          credentials: S3RVER_CREDENTIALS,
          buckets,
          requestTimeoutSeconds: 5,
        },
      },
    },
  });
}

/** A client of its own, to look at the buckets the way an operator would. */
export function inspectorClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
}

export async function keysIn(
  client: S3Client,
  bucket: string,
): Promise<string[]> {
  const listed = await client.send(
    new ListObjectsV2Command({ Bucket: bucket }),
  );
  return (listed.Contents ?? []).map(object => object.Key!);
}
