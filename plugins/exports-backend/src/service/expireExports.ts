import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ExportStore } from './ExportStore';
import { ExportStorage, jobIdOfKey } from './storage/ExportStorage';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where the unreferenced-file sweep goes on from (kept between runs by the scheduled task). */
export interface SweepPosition {
  /** The last key examined by a run that stopped at its cap; undefined: from the start. */
  after?: string;
}

/** Keys examined per sweep run by default: a bounded listing, resumed by the next run. */
export const DEFAULT_SWEEP_FILES = 10_000;

/**
 * Removes committed files untouched for `olderThanMs` that their job does not reference: an
 * attempt commits its file under its own key before the database commit, so one that died in
 * between (or whose completion failed) leaves a file no user can reach. Files whose name is
 * not a job's are left alone. Examines at most `maxFiles` keys, from past `position.after`,
 * and moves the position on (back to the start when the listing ended). Returns how many
 * files were removed.
 */
export async function removeUnreferencedFiles(deps: {
  store: ExportStore;
  storage: ExportStorage;
  olderThanMs: number;
  now?: number;
  maxFiles?: number;
  position?: SweepPosition;
}): Promise<number> {
  const maxFiles = deps.maxFiles ?? DEFAULT_SWEEP_FILES;
  const position = deps.position ?? {};
  let removed = 0;
  let examined = 0;
  let last: string | undefined;
  let batch: string[] = [];
  const removeUnreferenced = async () => {
    const keys = await deps.store.storageKeysOf(batch.map(jobIdOfKey));
    for (const key of batch) {
      if (keys.get(jobIdOfKey(key)) === key) continue;
      await deps.storage.remove(key);
      removed++;
    }
    batch = [];
  };
  for await (const key of deps.storage.committedFilesOlderThan(
    deps.olderThanMs,
    deps.now,
    position.after,
  )) {
    if (examined >= maxFiles) break;
    examined++;
    last = key;
    if (!UUID.test(jobIdOfKey(key))) continue;
    batch.push(key);
    if (batch.length >= 500) await removeUnreferenced();
  }
  if (batch.length > 0) await removeUnreferenced();
  position.after = examined >= maxFiles ? last : undefined;
  return removed;
}

/**
 * The retention purge: every succeeded export past its expiry loses its file, becomes
 * `expired`, and the purge is audited (one audit event per file). Then, in the time left,
 * stale temporary files and unreferenced committed files (`removeUnreferencedFiles`, at most
 * `sweepFiles` keys from `sweep`'s position): listing millions of files must not delay the
 * audited purge.
 */
export async function expireExports(deps: {
  store: ExportStore;
  storage: ExportStorage;
  auditor: AuditorService;
  logger: LoggerService;
  /** Temporary and unreferenced files untouched this long are removed (default 1 day). */
  staleTemporaryMs?: number;
  /** Keys the unreferenced-file sweep examines per run (default DEFAULT_SWEEP_FILES). */
  sweepFiles?: number;
  /** The sweep's position, kept between runs (each run goes on from where the last stopped). */
  sweep?: SweepPosition;
}): Promise<number> {
  let purged = 0;
  for (const job of await deps.store.dueForExpiry()) {
    const event = await deps.auditor.createEvent({
      eventId: 'export-purged',
      severityLevel: 'low',
      meta: { exportId: job.id, accountId: job.account_id, region: job.region },
    });
    try {
      if (job.storage_key) await deps.storage.remove(job.storage_key);
      if (await deps.store.markExpired(job.id)) purged++;
      await event.success();
    } catch (error) {
      deps.logger.warn(`exports: purging ${job.id} failed: ${error}`);
      await event.fail({ error: error as Error });
    }
  }
  const stale = await deps.storage
    .removeStaleTemporaries(deps.staleTemporaryMs ?? 86_400_000)
    .catch(e => {
      deps.logger.warn(`exports: removing stale temporary files failed: ${e}`);
      return 0;
    });
  if (stale > 0) {
    deps.logger.info(`exports: removed ${stale} stale temporary export files`);
  }
  const unreferenced = await removeUnreferencedFiles({
    store: deps.store,
    storage: deps.storage,
    olderThanMs: deps.staleTemporaryMs ?? 86_400_000,
    maxFiles: deps.sweepFiles,
    position: deps.sweep,
  }).catch(e => {
    deps.logger.warn(
      `exports: removing unreferenced export files failed: ${e}`,
    );
    return 0;
  });
  if (unreferenced > 0) {
    deps.logger.info(
      `exports: removed ${unreferenced} export files no job references (attempts that died before their completion committed)`,
    );
  }
  return purged;
}
