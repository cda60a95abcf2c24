/**
 * Filters frontend plugin: the Data explorer page. The components other pages embed
 * (FilterBuilder, AccountPicker, DatasetPicker) and the API client are in
 * `@internal/plugin-filters-react`.
 *
 * @packageDocumentation
 */
export { filtersPlugin, DataExplorerPage } from './plugin';
