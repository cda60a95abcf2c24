import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ExportStore } from './ExportStore';
import { ExportStorage, jobIdOfKey } from './storage/ExportStorage';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Removes committed files untouched for `olderThanMs` that their job does not reference: an
 * attempt commits its file under its own key before the database commit, so one that died in
 * between (or whose completion failed) leaves a file no user can reach. Files whose name is
 * not a job's are left alone. Returns how many were removed.
 */
export async function removeUnreferencedFiles(deps: {
  store: ExportStore;
  storage: ExportStorage;
  olderThanMs: number;
  now?: number;
}): Promise<number> {
  let removed = 0;
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
  )) {
    if (!UUID.test(jobIdOfKey(key))) continue;
    batch.push(key);
    if (batch.length >= 500) await removeUnreferenced();
  }
  if (batch.length > 0) await removeUnreferenced();
  return removed;
}

/**
 * The retention purge: every succeeded export past its expiry loses its file, becomes
 * `expired`, and the purge is audited (one audit event per file). Stale temporary files and
 * unreferenced committed files (`removeUnreferencedFiles`) are removed first.
 */
export async function expireExports(deps: {
  store: ExportStore;
  storage: ExportStorage;
  auditor: AuditorService;
  logger: LoggerService;
  /** Temporary and unreferenced files untouched this long are removed (default 1 day). */
  staleTemporaryMs?: number;
}): Promise<number> {
  let purged = 0;
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
  return purged;
}
