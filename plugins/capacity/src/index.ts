/**
 * Capacity frontend plugin: the doomsday clock page.
 *
 * @packageDocumentation
 */
export { capacityPlugin, CapacityPage } from './plugin';
export { capacityApiRef, CapacityClient } from './api/CapacityApi';
export type { CapacityApi } from './api/CapacityApi';
