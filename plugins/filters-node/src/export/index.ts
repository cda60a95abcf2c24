export {
  FilterExporter,
  DEFAULT_EXPORT_COST_THRESHOLD,
  DEFAULT_EXPORT_STATEMENT_TIMEOUT_MS,
  DEFAULT_EXPORT_BATCH_ROWS,
} from './FilterExporter';
export type {
  FilterExportOptions,
  FilterExportRequest,
  FilterExportEstimate,
  FilterExportResult,
  FilterExportColumn,
  FilterRowSink,
  FilterRowExportResult,
} from './FilterExporter';
