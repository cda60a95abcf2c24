/**
 * Isomorphic part of the authz plugin family (permission service): API types generated from
 * the backend's OpenAPI document, and the permissions that guard the service itself.
 *
 * @packageDocumentation
 */
export * from './permissions';
export { POLICY_ERROR_REASON, MAX_BATCH_CHECKS } from './types';
export type {
  AuthzSubject,
  AuthzResource,
  CheckRequest,
  Decision,
} from './types';
export type * as OpenApi from './schema/openapi.generated';
