/**
 * The filter engine's frontend building blocks (the `-react` package of the filters family):
 * the FilterBuilder, AccountPicker and DatasetPicker components that the Data explorer and the
 * export console embed, and the typed client of `/api/filters/v1`.
 *
 * @packageDocumentation
 */
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
