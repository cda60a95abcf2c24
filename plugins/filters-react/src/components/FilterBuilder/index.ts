export { FilterBuilder } from './FilterBuilder';
export type { FilterBuilderProps, FilterEstimate } from './FilterBuilder';
