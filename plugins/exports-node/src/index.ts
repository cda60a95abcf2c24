/**
 * Read access to the export service's jobs for other backends (SLOs, capacity): durable,
 * from the exports plugin's `export_jobs` table.
 *
 * @packageDocumentation
 */
export { DatabaseExportJobsReader, NOT_SLI_EVENTS } from './ExportJobsReader';
export type {
  ExportJobsReader,
  FinishedExportJob,
  FinishedExportStatus,
  FinishedJobsQuery,
  CompletionMinutesQuery,
  CompletionMinute,
  ExportQueueState,
  RegionStorage,
} from './ExportJobsReader';
export {
  exportJobsReaderServiceRef,
  EXPORTS_PLUGIN_ID,
} from './exportJobsReaderServiceRef';
