/**
 * The filters backend plugin (pluginId `filters`).
 *
 * @packageDocumentation
 */
export { filtersPlugin as default } from './plugin';
