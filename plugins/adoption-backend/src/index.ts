/**
 * The adoption backend plugin.
 *
 * @packageDocumentation
 */
export { adoptionPlugin as default } from './plugin';
