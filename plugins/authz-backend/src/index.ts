/**
 * The authz backend plugin: the permission service's HTTP API.
 *
 * @packageDocumentation
 */
export { authzPlugin as default } from './plugin';
export { platformModuleAuthzRetention } from './retention/platformModuleAuthzRetention';
