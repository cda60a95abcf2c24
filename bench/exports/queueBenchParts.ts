import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import {
  ClaimOptions,
  DbExportJobRow,
  ExportStore,
} from '../../plugins/exports-backend/src/service/ExportStore';

/** Percentile p (0–100) of xs, nearest rank. */
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
export const median = (xs: number[]) => percentile(xs, 50);

/** An `export_jobs` row of a tiny queued CSV job of `accountId` (for one-statement inserts). */
export const queuedJobRow = (accountId: string) => ({
  id: randomUUID(),
  dataset: 'events',
  account_id: accountId,
  region: 'us',
  plan: 'mid_market',
  priority: 0,
  format: 'csv',
  delivery: JSON.stringify({ type: 'download' }),
  readable_data_classes: JSON.stringify(['public']),
  requested_by: 'user:default/bench',
});

/** Migrates the exports plugin's tables into a bench database. */
export const migrateExports = (knex: Knex) =>
  knex.migrate.latest({
    directory: path.resolve(
      __dirname,
      '../../plugins/exports-backend/migrations',
    ),
  });

/** A no-op job's end as ExportRunner ends a job: its completion, claiming the slot's next job. */
export async function completeNoOpJob(
  store: ExportStore,
  job: DbExportJobRow,
  claimNext: ClaimOptions | undefined,
): Promise<DbExportJobRow | undefined> {
  const { next } = await store.completeAndClaim(
    {
      id: job.id,
      leaseToken: job.lease_token!,
      webhook: false,
      // As ExportRunner's: the file is already under this attempt's own key.
      result: {
        rowsWritten: 0,
        bytesWritten: 0,
        storageKey: `${job.region}/${job.id}.${job.lease_token}.csv`,
      },
      retentionMs: 60_000,
    },
    claimNext,
  );
  return next;
}
