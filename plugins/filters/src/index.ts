/**
 * Filters frontend plugin: the Data explorer page, and the FilterBuilder, AccountPicker and
 * DatasetPicker components other plugins (e.g. the export console) embed.
 *
 * @packageDocumentation
 */
export { filtersPlugin, DataExplorerPage } from './plugin';
export { FilterBuilder } from './components/FilterBuilder';
export type {
  FilterBuilderProps,
  FilterEstimate,
} from './components/FilterBuilder';
export { AccountPicker, isAccountId } from './components/AccountPicker';
export { DatasetPicker, chosenDataset } from './components/DatasetPicker';
export type { DatasetPickerProps } from './components/DatasetPicker';
export type { AccountPickerProps } from './components/AccountPicker';
export { filtersApiRef, FiltersClient } from './api/FiltersApi';
export type { FiltersApi, AccountSearchOptions } from './api/FiltersApi';
