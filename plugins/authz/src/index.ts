/**
 * Policies frontend plugin (authz family): the Rego playground with evaluation, tests, diff
 * and replay, the shadow-mode dashboard and the decision-log browser.
 *
 * @packageDocumentation
 */
export { authzPlugin, PoliciesPage } from './plugin';
export { authzApiRef, AuthzClient } from './api/AuthzApi';
export type { AuthzApi } from './api/AuthzApi';
