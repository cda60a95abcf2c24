import {
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  AuditCheckpoint,
  AuditCheckpointSink,
  parseCheckpoint,
} from './checkpoints';

export interface S3CheckpointSinkOptions {
  bucket: string;
  /** Key prefix, e.g. `platform-audit/`. */
  prefix: string;
  /**
   * Object Lock retention for each checkpoint object (the bucket must have Object Lock
   * enabled). COMPLIANCE mode: nobody, not even the account root, can delete or overwrite
   * the object before `retainDays` have passed.
   */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; retainDays: number };
  clock?: () => Date;
}

/**
 * Checkpoints as one S3 object each. The key carries the whole checkpoint,
 * `<prefix><seq, 20 digits>~<time ms>~<chain>~<key id>~<hash>~<mac>.json`, so verify reads
 * them with LIST calls only (1,000 per call), not one GET each; the JSON body is for people.
 * Keys are never reused and every PUT carries `If-None-Match: *` (write-once where the store
 * honours it); with `objectLock` configured the object is also retained under S3 Object Lock.
 */
export class S3CheckpointSink implements AuditCheckpointSink {
  readonly description: string;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3CheckpointSinkOptions,
  ) {
    this.description = `s3://${options.bucket}/${options.prefix}`;
  }

  static keyFor(prefix: string, checkpoint: AuditCheckpoint): string {
    const { seq, at, chain, key_id: keyId, hash, mac } = checkpoint;
    const parts = [
      seq.padStart(20, '0'),
      Date.parse(at),
      chain,
      keyId,
      hash,
      mac,
    ];
    return `${prefix}${parts.join('~')}.json`;
  }

  /** The checkpoint a key names; undefined if it names none. */
  static fromKey(prefix: string, key: string): AuditCheckpoint | undefined {
    if (!key.startsWith(prefix) || !key.endsWith('.json')) return undefined;
    const parts = key.slice(prefix.length, -'.json'.length).split('~');
    if (
      parts.length !== 6 ||
      !/^\d+$/.test(parts[0]) ||
      !/^\d+$/.test(parts[1])
    ) {
      return undefined;
    }
    const [seq, ms, chain, keyId, hash, mac] = parts;
    return parseCheckpoint({
      seq: BigInt(seq).toString(),
      at: new Date(Number(ms)).toISOString(),
      chain,
      key_id: keyId,
      hash,
      mac,
    });
  }

  async write(checkpoint: AuditCheckpoint): Promise<void> {
    const { bucket, prefix, objectLock } = this.options;
    const now = this.options.clock?.() ?? new Date();
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: S3CheckpointSink.keyFor(prefix, checkpoint),
        Body: JSON.stringify(checkpoint),
        ContentType: 'application/json',
        IfNoneMatch: '*',
        ...(objectLock
          ? {
              ObjectLockMode: objectLock.mode,
              ObjectLockRetainUntilDate: new Date(
                now.getTime() + objectLock.retainDays * 24 * 60 * 60 * 1000,
              ),
            }
          : {}),
      }),
    );
  }

  async readAll(): Promise<{
    checkpoints: AuditCheckpoint[];
    problems: string[];
  }> {
    const { bucket, prefix } = this.options;
    const checkpoints: AuditCheckpoint[] = [];
    const problems: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: continuationToken,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        const parsed = S3CheckpointSink.fromKey(prefix, object.Key);
        if (parsed) checkpoints.push(parsed);
        else problems.push(`s3://${bucket}/${object.Key} is not a checkpoint`);
      }
      continuationToken = page.IsTruncated
        ? page.NextContinuationToken
        : undefined;
    } while (continuationToken);
    return { checkpoints, problems };
  }
}
