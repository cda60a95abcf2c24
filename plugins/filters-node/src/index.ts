/**
 * The filter engine (backend library): dataset definitions from config, compilation to
 * parameterized SQL, cost gate with shape cache, timeouts, replica routing, and the access
 * step that turns a caller into an authorized tenant.
 *
 * @packageDocumentation
 */
export { FilterEngine } from './FilterEngine';
export type {
  FilterEngineOptions,
  FilterEventSink,
  FilterEngineLogger,
  FilterRequest,
  BuiltFilterQuery,
} from './FilterEngine';
export {
  FilterAccess,
  contextForVerifiedIdentity,
  isIssuedTenant,
  assertAccountId,
} from './access';
export type {
  AuthorizedTenant,
  FilterContext,
  VerifiedCustomerIdentity,
} from './access';
export { readDatasets, describeDataset } from './datasets';
export type {
  DatasetDefinition,
  DatasetFieldDefinition,
  PgConnectionConfig,
  PgSslConfig,
} from './datasets';
export {
  FilterEngineBusyError,
  FilterQueryFailedError,
  FilterRejectedError,
} from './errors';
export { probeLag } from './connections';
export type {
  LagProbe,
  PoolOptions,
  ReplicaRoutingOptions,
} from './connections';
export type { CompiledQuery, QueryKind } from './compile';
export { filterEngineServiceRef } from './service';
export type { FilterEngineService } from './service';
export {
  accountInRule,
  dataClassInRule,
  filtersAccountResourceRef,
  filtersDataClassResourceRef,
  filtersAccountConditions,
  createFiltersAccountConditionalDecision,
  filtersDataClassConditions,
  createFiltersDataClassConditionalDecision,
} from './permissions';
export type {
  FiltersAccountResource,
  FiltersDataClassResource,
} from './permissions';
export {
  FilterExporter,
  DEFAULT_EXPORT_COST_THRESHOLD,
  DEFAULT_EXPORT_STATEMENT_TIMEOUT_MS,
  DEFAULT_EXPORT_BATCH_ROWS,
} from './export';
export type {
  FilterExportOptions,
  FilterExportRequest,
  FilterExportEstimate,
  FilterExportResult,
  FilterExportColumn,
  FilterRowSink,
  FilterRowExportResult,
} from './export';
export { PUBLIC_DATA_CLASS } from './access';
export type { FilterAccessOptions } from './access';
