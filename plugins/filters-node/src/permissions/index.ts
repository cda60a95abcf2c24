export {
  accountInRule,
  dataClassInRule,
  filtersAccountResourceRef,
  filtersDataClassResourceRef,
} from './rules';
export type { FiltersAccountResource, FiltersDataClassResource } from './rules';
export {
  filtersAccountConditions,
  createFiltersAccountConditionalDecision,
  filtersDataClassConditions,
  createFiltersDataClassConditionalDecision,
} from './conditionExports';
