/**
 * Adoption frontend plugin: platform adoption pages and the entity card.
 *
 * @packageDocumentation
 */
export { adoptionPlugin, AdoptionPage, EntityAdoptionCard } from './plugin';
export { adoptionApiRef, AdoptionClient } from './api/AdoptionApi';
export type { AdoptionApi } from './api/AdoptionApi';
