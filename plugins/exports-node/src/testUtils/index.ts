// Test helpers for plugins that read the export service's jobs (import from
// `@internal/plugin-exports-node/testUtils`; never from production code).
export {
  exportJobsReaderFactory,
  migrateExportTables,
  insertExportJob,
} from './exportJobs';
export type { TestExportJob } from './exportJobs';
