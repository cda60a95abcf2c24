/**
 * The adapter-shim helper teams' legacy endpoints call: it forwards to the platform service
 * and reports the legacy path to the adoption backend.
 *
 * @packageDocumentation
 */
export { LegacyCallReporter } from './LegacyCallReporter';
export type { LegacyCall } from './LegacyCallReporter';
export { legacyShim } from './legacyShim';
