import type * as OpenApi from './schema/openapi.generated';

type Schemas = OpenApi.components['schemas'];

/** Who asks: a product user, a portal (Backstage) user or a service principal. */
export type AuthzSubject = Schemas['Subject'];
export type AuthzResource = Schemas['Resource'];
export type CheckRequest = Schemas['CheckRequest'];
export type Decision = Schemas['Decision'];

/** Reason of every decision the service could not evaluate (it then denies). */
export const POLICY_ERROR_REASON = 'policy_error';

/** The most checks one batch request may carry. */
export const MAX_BATCH_CHECKS = 1000;
