import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  EXPORT_REGIONS,
  ExportRegion,
  ExportStorage,
  PendingExportFile,
  PresignedDownloadOptions,
  regionCursors,
} from './ExportStorage';
import { S3PendingUpload, S3UploadTuning } from './S3PendingUpload';

/** The bucket (and the client that reaches it) of one region. */
export interface S3ExportTarget {
  client: S3Client;
  bucket: string;
}

export interface S3ExportStorageOptions extends S3UploadTuning {
  targets: Record<ExportRegion, S3ExportTarget>;
}

/** CopyObject copies at most 5 GiB in one request. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
/** S3 refuses presigned URLs valid longer than 7 days. */
const MAX_PRESIGN_SECONDS = 604_800;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const FINAL_KEY = /^(us|eu)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NotFound' ||
    e?.name === 'NoSuchKey' ||
    e?.$metadata?.httpStatusCode === 404
  );
}

/**
 * Export files in S3-compatible object storage, one bucket per region: the region at the start
 * of a key (`eu/<id>.csv`) picks the bucket, so an EU account's file is only ever written to,
 * read from or listed in the EU bucket. A run uploads to `<region>/.tmp/<id>.<lease>.part` in
 * its region's bucket; `commit` copies that object to the final key (the final key never holds
 * a partial file) and deletes the temporary one.
 */
export class S3ExportStorage implements ExportStorage {
  constructor(private readonly options: S3ExportStorageOptions) {
    const { us, eu } = options.targets;
    if (us.bucket === eu.bucket) {
      throw new InputError(
        `exports.storage.s3.buckets: us and eu must be different buckets (both are '${us.bucket}'): files must stay in their account's region`,
      );
    }
  }

  keyFor(
    region: ExportRegion,
    jobId: string,
    extension: string,
    attempt: string,
  ): string {
    this.target(region);
    if (![jobId, extension, attempt].every(part => SEGMENT.test(part))) {
      throw new InputError(
        `export file names are letters, digits, '-' and '_': got job '${jobId}', attempt '${attempt}', extension '${extension}'`,
      );
    }
    return `${region}/${jobId}.${attempt}.${extension}`;
  }

  private target(region: ExportRegion): S3ExportTarget {
    if (!EXPORT_REGIONS.includes(region)) {
      throw new InputError(`unknown export region '${region}'`);
    }
    return this.options.targets[region];
  }

  /** The region and bucket of a final key; refuses anything that is not `<region>/<file>`. */
  private locate(
    key: string,
  ): { region: ExportRegion; bucket: string } & S3ExportTarget {
    const match = FINAL_KEY.exec(key);
    if (!match) {
      throw new InputError(
        `storage key '${key}' is not '<region>/<file>' with region us or eu`,
      );
    }
    const region = match[1] as ExportRegion;
    return { region, ...this.target(region) };
  }

  private unavailable(what: string, bucket: string, cause: unknown) {
    return new ServiceUnavailableError(
      `export storage: ${what} in bucket '${bucket}' failed`,
      cause,
    );
  }

  async begin(
    region: ExportRegion,
    jobId: string,
    leaseToken: string,
  ): Promise<PendingExportFile> {
    const { client, bucket } = this.target(region);
    if (!SEGMENT.test(jobId) || !SEGMENT.test(leaseToken)) {
      throw new InputError(
        `job id and lease token are letters, digits, '-' and '_': got '${jobId}', '${leaseToken}'`,
      );
    }
    // Fails before the query runs when the bucket is unreachable, rather than after it.
    await client
      .send(new HeadBucketCommand({ Bucket: bucket }))
      .catch(cause => {
        throw this.unavailable('reaching the bucket', bucket, cause);
      });
    return new S3PendingUpload(
      client,
      region,
      bucket,
      `${region}/.tmp/${jobId}.${leaseToken}.part`,
      this.options,
    );
  }

  private own(pending: PendingExportFile): S3PendingUpload {
    if (!(pending instanceof S3PendingUpload)) {
      throw new TypeError('not a pending file of S3ExportStorage');
    }
    return pending;
  }

  async commit(pending: PendingExportFile, key: string): Promise<void> {
    const upload = this.own(pending);
    const { region, client, bucket } = this.locate(key);
    if (region !== upload.region) {
      throw new InputError(
        `an export file written in region ${upload.region} cannot be stored under '${key}' (region ${region})`,
      );
    }
    await upload.uploaded();
    if (upload.bytes > MAX_COPY_BYTES) {
      throw new InputError(
        `export files larger than ${MAX_COPY_BYTES} bytes cannot be committed in S3 (one CopyObject); lower exports.maxCsvBytes`,
      );
    }
    await client
      .send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: `${bucket}/${upload.tempKey}`,
        }),
      )
      .catch(cause => {
        throw this.unavailable(
          `copying ${upload.tempKey} to ${key}`,
          bucket,
          cause,
        );
      });
    // The file is in place; a temporary object that outlives a failed delete is swept by
    // removeStaleTemporaries.
    await client
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: upload.tempKey }))
      .catch(() => undefined);
  }

  async discard(pending: PendingExportFile): Promise<void> {
    const upload = this.own(pending);
    await upload.abandon();
    await this.target(upload.region)
      .client.send(
        new DeleteObjectCommand({ Bucket: upload.bucket, Key: upload.tempKey }),
      )
      .catch(cause => {
        throw this.unavailable(
          `deleting ${upload.tempKey}`,
          upload.bucket,
          cause,
        );
      });
  }

  async exists(key: string): Promise<boolean> {
    const { client, bucket } = this.locate(key);
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.unavailable(`looking up ${key}`, bucket, error);
    }
  }

  async size(key: string): Promise<number> {
    const { client, bucket } = this.locate(key);
    try {
      const head = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key }),
      );
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) {
        throw new NotFoundError(`export file ${key} does not exist`);
      }
      throw this.unavailable(`looking up ${key}`, bucket, error);
    }
  }

  /** The object's bytes, fetched when the stream is first read. */
  open(key: string): Readable {
    const { client, bucket } = this.locate(key);
    const unavailable = this.unavailable.bind(this);
    async function* body() {
      const object = await client
        .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        .catch(error => {
          throw isNotFound(error)
            ? new NotFoundError(`export file ${key} does not exist`)
            : unavailable(`reading ${key}`, bucket, error);
        });
      yield* object.Body as Readable;
    }
    return Readable.from(body(), { objectMode: false });
  }

  async remove(key: string): Promise<void> {
    const { client, bucket } = this.locate(key);
    await client
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
      .catch(cause => {
        throw this.unavailable(`deleting ${key}`, bucket, cause);
      });
  }

  private async *objects(
    region: ExportRegion,
    prefix: string,
    startAfter?: string,
  ) {
    const { client, bucket } = this.target(region);
    for await (const page of paginateListObjectsV2(
      { client },
      { Bucket: bucket, Prefix: prefix, StartAfter: startAfter },
    )) {
      yield* page.Contents ?? [];
    }
  }

  async removeStaleTemporaries(
    olderThanMs: number,
    now = Date.now(),
  ): Promise<number> {
    let removed = 0;
    for (const region of EXPORT_REGIONS) {
      const { client, bucket } = this.target(region);
      for await (const object of this.objects(region, `${region}/.tmp/`)) {
        const modified = object.LastModified?.getTime() ?? now;
        if (!object.Key?.endsWith('.part') || now - modified <= olderThanMs) {
          continue;
        }
        await client.send(
          new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }),
        );
        removed++;
      }
    }
    return removed;
  }

  async *committedFilesOlderThan(
    olderThanMs: number,
    now = Date.now(),
    after?: string,
  ): AsyncIterable<string> {
    for (const { region, startAfter } of regionCursors(after)) {
      for await (const object of this.objects(
        region,
        `${region}/`,
        startAfter,
      )) {
        const modified = object.LastModified?.getTime() ?? now;
        if (
          object.Key &&
          FINAL_KEY.test(object.Key) &&
          now - modified > olderThanMs
        ) {
          yield object.Key;
        }
      }
    }
  }

  async presignedDownloadUrl(
    key: string,
    ttlSeconds: number,
    options: PresignedDownloadOptions = {},
  ): Promise<string> {
    const { client, bucket } = this.locate(key);
    if (
      !Number.isInteger(ttlSeconds) ||
      ttlSeconds < 1 ||
      ttlSeconds > MAX_PRESIGN_SECONDS
    ) {
      throw new InputError(
        `ttlSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}, got ${ttlSeconds}`,
      );
    }
    const command = new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.filename
        ? `attachment; filename="${options.filename.replace(
            /["\\\r\n]/g,
            '_',
          )}"`
        : undefined,
    });
    return getSignedUrl(client, command, { expiresIn: ttlSeconds });
  }

  async bytesByRegion(): Promise<Record<ExportRegion, number>> {
    const bytes: Record<ExportRegion, number> = { us: 0, eu: 0 };
    for (const region of EXPORT_REGIONS) {
      for await (const object of this.objects(region, `${region}/`)) {
        if (object.Key && FINAL_KEY.test(object.Key)) {
          bytes[region] += object.Size ?? 0;
        }
      }
    }
    return bytes;
  }
}
