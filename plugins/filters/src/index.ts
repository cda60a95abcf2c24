/**
 * Filters frontend plugin: the Data explorer page and the FilterBuilder component other
 * plugins (e.g. the export console) embed.
 *
 * @packageDocumentation
 */
export { filtersPlugin, DataExplorerPage } from './plugin';
export { FilterBuilder } from './components/FilterBuilder';
export type {
  FilterBuilderProps,
  FilterEstimate,
} from './components/FilterBuilder';
export { filtersApiRef, FiltersClient } from './api/FiltersApi';
export type { FiltersApi } from './api/FiltersApi';
