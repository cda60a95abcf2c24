/**
 * Capacity backend plugin: the doomsday clock's API and collectors.
 *
 * @packageDocumentation
 */
export { capacityPlugin as default } from './plugin';
