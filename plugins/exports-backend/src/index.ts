/**
 * Export service backend plugin: asynchronous exports of filter-engine queries.
 *
 * @packageDocumentation
 */
export { exportsPlugin as default } from './plugin';
