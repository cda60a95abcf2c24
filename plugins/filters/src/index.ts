/**
 * Filters frontend plugin: the Data explorer page, and the FilterBuilder and AccountPicker
 * components other plugins (e.g. the export console) embed.
 *
 * @packageDocumentation
 */
export { filtersPlugin, DataExplorerPage } from './plugin';
export { FilterBuilder } from './components/FilterBuilder';
export type {
  FilterBuilderProps,
  FilterEstimate,
} from './components/FilterBuilder';
export { AccountPicker } from './components/AccountPicker';
export type { AccountPickerProps } from './components/AccountPicker';
export { filtersApiRef, FiltersClient } from './api/FiltersApi';
export type { FiltersApi, AccountSearchOptions } from './api/FiltersApi';
