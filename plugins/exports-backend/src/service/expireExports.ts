import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ExportStore } from './ExportStore';
import { ExportStorage } from './storage/ExportStorage';

/**
 * The retention purge: every succeeded export past its expiry loses its file, becomes
 * `expired`, and the purge is audited (one audit event per file).
 */
export async function expireExports(deps: {
  store: ExportStore;
  storage: ExportStorage;
  auditor: AuditorService;
  logger: LoggerService;
  /** Temporary files untouched this long are removed (default 1 day). */
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
