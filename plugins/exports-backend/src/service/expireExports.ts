import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ExportStore } from './ExportStore';
import { LocalExportStorage } from './LocalExportStorage';

/**
 * The retention purge: every succeeded export past its expiry loses its file, becomes
 * `expired`, and the purge is audited (one audit event per file).
 */
export async function expireExports(deps: {
  store: ExportStore;
  storage: LocalExportStorage;
  auditor: AuditorService;
  logger: LoggerService;
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
  return purged;
}
