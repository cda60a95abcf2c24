/**
 * SLO frontend plugin: SLO list and detail pages, runbook pages and the entity SLO tab.
 *
 * @packageDocumentation
 */
export { sloPlugin, SloPage, RunbookPage, EntitySloContent } from './plugin';
export { sloApiRef, SloClient } from './api/SloApi';
export type { SloApi } from './api/SloApi';
