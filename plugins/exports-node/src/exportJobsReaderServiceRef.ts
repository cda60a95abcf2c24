import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  LifecycleService,
} from '@backstage/backend-plugin-api';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import { Knex } from 'knex';
import { DatabaseExportJobsReader, ExportJobsReader } from './ExportJobsReader';

/** The plugin id whose database holds `export_jobs`. */
export const EXPORTS_PLUGIN_ID = 'exports';

/**
 * Root-scoped reader of the exports plugin's jobs table; its default factory needs no wiring.
 * It opens the exports plugin's own database the way Backstage does for that plugin
 * (`backend.database`, with `backend.database.plugin.exports` overrides), lazily at the first
 * read and once per process, and never migrates it (the exports backend owns the schema).
 */
export const exportJobsReaderServiceRef = createServiceRef<ExportJobsReader>({
  id: 'exports.jobs-reader',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.rootLogger,
        lifecycle: coreServices.rootLifecycle,
      },
      factory({ config, logger, lifecycle }) {
        let reader: Promise<ExportJobsReader> | undefined;
        const open = () => {
          reader ??= (async () => {
            const manager = DatabaseManager.fromConfig(config, {
              rootLogger: logger,
              rootLifecycle: lifecycle,
              migrations: { skip: true },
            });
            const client: Knex = await manager
              .forPlugin(EXPORTS_PLUGIN_ID, {
                logger: logger.child({ service: 'exports-jobs-reader' }),
                // Shutdown of the pool is registered on the root lifecycle by the manager.
                lifecycle: lifecycle as unknown as LifecycleService,
              })
              .getClient();
            return new DatabaseExportJobsReader(client);
          })();
          // A failed open (database down at start) is retried at the next read.
          reader.catch(() => {
            reader = undefined;
          });
          return reader;
        };
        return {
          finishedJobs: async q => (await open()).finishedJobs(q),
          completionMinutes: async q => (await open()).completionMinutes(q),
          queue: async () => (await open()).queue(),
          storedBytesByRegion: async () => (await open()).storedBytesByRegion(),
        };
      },
    }),
});
