import { S3Client } from '@aws-sdk/client-s3';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { LocalExportStorage } from '../LocalExportStorage';
import { EXPORT_REGIONS, ExportRegion, ExportStorage } from './ExportStorage';
import { S3ExportStorage, S3ExportTarget } from './S3ExportStorage';

/** The AWS region each bucket lives in, unless `exports.storage.s3.bucketRegions` says. */
const DEFAULT_BUCKET_REGIONS: Record<ExportRegion, string> = {
  us: 'us-east-1',
  eu: 'eu-central-1',
};

/**
 * The export storage of `exports.storage`: `type: local` (default; `localRoot`, default
 * `.data/exports`) or `type: s3` (`s3.buckets.us`/`s3.buckets.eu`, optional `s3.endpoint`,
 * `s3.forcePathStyle`, `s3.credentials`, `s3.bucketRegions`, `s3.requestTimeoutSeconds`).
 */
export function createExportStorage(config: Config): ExportStorage {
  const c = config.getOptionalConfig('exports.storage');
  const type = c?.getOptionalString('type') ?? 'local';
  if (type === 'local') {
    return new LocalExportStorage(
      c?.getOptionalString('localRoot') ?? '.data/exports',
    );
  }
  if (type !== 's3') {
    throw new InputError(
      `exports.storage.type must be 'local' or 's3', got '${type}'`,
    );
  }
  const s3 = c!.getConfig('s3');
  const credentials = s3.getOptionalConfig('credentials');
  const timeoutMs =
    (s3.getOptionalNumber('requestTimeoutSeconds') ?? 60) * 1000;
  const target = (region: ExportRegion): S3ExportTarget => ({
    bucket: s3.getString(`buckets.${region}`),
    client: new S3Client({
      region:
        s3.getOptionalString(`bucketRegions.${region}`) ??
        DEFAULT_BUCKET_REGIONS[region],
      endpoint: s3.getOptionalString('endpoint'),
      forcePathStyle: s3.getOptionalBoolean('forcePathStyle') ?? false,
      credentials: credentials && {
        accessKeyId: credentials.getString('accessKeyId'),
        secretAccessKey: credentials.getString('secretAccessKey'),
      },
      requestHandler: {
        connectionTimeout: Math.min(timeoutMs, 10_000),
        requestTimeout: timeoutMs,
      },
    }),
  });
  const [us, eu] = EXPORT_REGIONS.map(target);
  return new S3ExportStorage({ targets: { us, eu } });
}
