import { randomUUID } from 'node:crypto';
import {
  createServiceFactory,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { ExportJobsReader } from '../ExportJobsReader';
import { exportJobsReaderServiceRef } from '../exportJobsReaderServiceRef';

/** Provides `reader` as the exports jobs reader of a test backend. */
export function exportJobsReaderFactory(reader: ExportJobsReader) {
  return createServiceFactory({
    service: exportJobsReaderServiceRef,
    deps: {},
    factory: () => reader,
  });
}

/** Runs the exports backend's own migrations (the real `export_jobs` schema) on `db`. */
export async function migrateExportTables(db: Knex) {
  await db.migrate.latest({
    directory: resolvePackagePath(
      '@internal/plugin-exports-backend',
      'migrations',
    ),
    tableName: 'exports_test_migrations',
  });
}

export interface TestExportJob {
  status:
    | 'queued'
    | 'running'
    | 'succeeded'
    | 'failed'
    | 'cancelled'
    | 'expired';
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  bytesWritten?: number;
  region?: 'us' | 'eu';
  errorType?: string;
  /** Defaults to a key for succeeded jobs (a stored file), none otherwise. */
  storageKey?: string | null;
}

/** Inserts one job row with the columns the reader uses; returns its id. */
export async function insertExportJob(
  db: Knex,
  job: TestExportJob,
): Promise<string> {
  const id = randomUUID();
  const defaultKey =
    job.status === 'succeeded' ? `${job.region ?? 'us'}/${id}.csv` : null;
  await db('export_jobs').insert({
    id,
    status: job.status,
    dataset: 'events',
    account_id: randomUUID(),
    region: job.region ?? 'us',
    plan: 'standard',
    format: 'csv',
    delivery: JSON.stringify({ type: 'download' }),
    readable_data_classes: JSON.stringify([]),
    requested_by: 'user:default/test',
    bytes_written: job.bytesWritten ?? 0,
    created_at: job.createdAt,
    started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null,
    error_type: job.errorType ?? null,
    storage_key: job.storageKey !== undefined ? job.storageKey : defaultKey,
  });
  return id;
}
