/**
 * Demo and test helpers of the filter engine (`@internal/plugin-filters-node/testUtils`):
 * for tests and benchmarks only, never for production code.
 *
 * @packageDocumentation
 */
export { demoEventsDatasetConfig, DEMO_EVENT_TYPES } from './demoDataset';
export { connectionOfKnex, demoDatasetsConfig } from './demoDatasetsConfig';
