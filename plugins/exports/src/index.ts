/**
 * Exports frontend plugin: the export console page.
 *
 * @packageDocumentation
 */
export { exportsPlugin, ExportsPage } from './plugin';
export { exportsApiRef, ExportsClient } from './api/ExportsApi';
export type { ExportsApi, ExportJob } from './api/ExportsApi';
