import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { otherPluginDatabase } from '@internal/plugin-platform-node';
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
        const open = otherPluginDatabase(
          { config, rootLogger: logger, rootLifecycle: lifecycle },
          EXPORTS_PLUGIN_ID,
          'exports-jobs-reader',
          client => new DatabaseExportJobsReader(client),
        );
        return {
          finishedJobs: async q => (await open()).finishedJobs(q),
          completionMinutes: async q => (await open()).completionMinutes(q),
          queue: async () => (await open()).queue(),
          storedBytesByRegion: async () => (await open()).storedBytesByRegion(),
        };
      },
    }),
});
