import { PassThrough, Writable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ServiceUnavailableError } from '@backstage/errors';
import { ExportRegion, PendingExportFile } from './ExportStorage';

/** How much of a file is held in memory at once: `partSizeBytes × (queueSize + 1)`. */
export interface S3UploadTuning {
  /** Bytes per multipart part (S3's minimum and the default: 5 MiB). */
  partSizeBytes?: number;
  /** Parts uploaded concurrently (default 4). */
  queueSize?: number;
}

/**
 * One export file streamed to `s3://<bucket>/<tempKey>` by a multipart `Upload` (bounded memory:
 * the writer waits while the parts in flight are full). The object exists only when the stream
 * has ended and the upload completed; `abandon` stops it before that, so the upload is aborted
 * and nothing is completed.
 */
export class S3PendingUpload implements PendingExportFile {
  readonly stream: Writable;
  /** Bytes accepted by `stream`. */
  bytes = 0;
  private readonly body = new PassThrough();
  private readonly settled: Promise<Error | undefined>;
  private failure: Error | undefined;
  private waitingWrite: (() => void) | undefined;

  constructor(
    client: S3Client,
    readonly region: ExportRegion,
    readonly bucket: string,
    readonly tempKey: string,
    tuning: S3UploadTuning = {},
  ) {
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: tempKey, Body: this.body },
      partSize: tuning.partSizeBytes,
      queueSize: tuning.queueSize,
    });
    this.settled = upload.done().then(
      () => undefined,
      cause => {
        this.failure = new ServiceUnavailableError(
          `storing the export file s3://${bucket}/${tempKey} failed`,
          cause,
        );
        this.releaseWaitingWrite();
        return this.failure;
      },
    );
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => this.write(chunk, done),
      final: done => {
        this.body.end();
        this.settled.then(error => done(error ?? null));
      },
    });
  }

  /**
   * After a failed upload nobody reads `body` any more, so further writes are accepted and
   * dropped instead of waiting for a 'drain' that never comes: the writer runs to its end and
   * gets the failure as the stream's error when it ends it (and from `uploaded`).
   */
  private write(chunk: Buffer, done: () => void) {
    if (this.failure) {
      done();
      return;
    }
    this.bytes += chunk.length;
    if (this.body.write(chunk)) {
      done();
      return;
    }
    this.waitingWrite = done;
    this.body.once('drain', () => this.releaseWaitingWrite());
  }

  private releaseWaitingWrite() {
    const waiting = this.waitingWrite;
    this.waitingWrite = undefined;
    waiting?.();
  }

  /** Resolves when the whole file is stored under `tempKey`; rejects with why it is not. */
  async uploaded(): Promise<void> {
    if (!this.stream.writableFinished && !this.failure) {
      throw new Error(
        `the export file s3://${this.bucket}/${this.tempKey} is still being written`,
      );
    }
    const failure = await this.settled;
    if (failure) throw failure;
  }

  /**
   * Stops the upload: an unfinished body is destroyed, so lib-storage aborts the multipart
   * upload instead of completing it. Resolves once the upload has settled, so no request of it
   * is still in flight (a completed one is the caller's to delete).
   */
  async abandon(): Promise<void> {
    if (!this.body.writableEnded) {
      this.body.destroy(new Error('export file discarded'));
    }
    this.releaseWaitingWrite();
    this.stream.destroy();
    await this.settled;
  }
}
