import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { Config } from '@backstage/config';
import { AuditCheckpointSink } from './checkpoints';
import { FileCheckpointSink } from './FileCheckpointSink';
import { S3CheckpointSink } from './S3CheckpointSink';

export const DEFAULT_CHECKPOINT_FILE =
  '.data/platform-audit-checkpoints.ndjson';

/** The repository root (the package.json with workspaces) above `from`, else `from`. */
export function repoRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).workspaces) return dir;
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

/**
 * `platform.audit.checkpoints.sink`: `file` (default; `file.path`, relative to the repository
 * root, default `.data/platform-audit-checkpoints.ndjson`) or `s3` (`s3.bucket`, `s3.prefix`,
 * `s3.region`, `s3.endpoint`, `s3.forcePathStyle`, `s3.accessKeyId`/`s3.secretAccessKey` or the
 * default AWS credential chain, `s3.objectLock.mode`/`retainDays`).
 */
export function checkpointSinkFromConfig(config: Config): AuditCheckpointSink {
  const c = config.getOptionalConfig('platform.audit.checkpoints');
  const kind = c?.getOptionalString('sink') ?? 'file';
  if (kind === 'file') {
    const file = c?.getOptionalString('file.path') ?? DEFAULT_CHECKPOINT_FILE;
    return new FileCheckpointSink(path.resolve(repoRoot(), file));
  }
  if (kind !== 's3') {
    throw new Error(
      `platform.audit.checkpoints.sink must be 'file' or 's3', got '${kind}'`,
    );
  }
  const s3 = c!.getConfig('s3');
  const accessKeyId = s3.getOptionalString('accessKeyId');
  const lock = s3.getOptionalConfig('objectLock');
  const mode = lock?.getString('mode');
  if (mode && mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') {
    throw new Error(
      `platform.audit.checkpoints.s3.objectLock.mode must be GOVERNANCE or COMPLIANCE, got '${mode}'`,
    );
  }
  const client = new S3Client({
    region: s3.getOptionalString('region') ?? 'us-east-1',
    endpoint: s3.getOptionalString('endpoint'),
    forcePathStyle: s3.getOptionalBoolean('forcePathStyle') ?? false,
    ...(accessKeyId
      ? {
          credentials: {
            accessKeyId,
            secretAccessKey: s3.getString('secretAccessKey'),
          },
        }
      : {}),
  });
  return new S3CheckpointSink(client, {
    bucket: s3.getString('bucket'),
    prefix: s3.getOptionalString('prefix') ?? 'platform-audit-checkpoints/',
    objectLock:
      lock && mode
        ? {
            mode: mode as 'GOVERNANCE' | 'COMPLIANCE',
            retainDays: lock.getNumber('retainDays'),
          }
        : undefined,
  });
}
