export {
  FilterExporter,
  DEFAULT_EXPORT_COST_THRESHOLD,
  DEFAULT_EXPORT_STATEMENT_TIMEOUT_MS,
} from './FilterExporter';
export type {
  FilterExportOptions,
  FilterExportRequest,
  FilterExportEstimate,
  FilterExportResult,
} from './FilterExporter';
