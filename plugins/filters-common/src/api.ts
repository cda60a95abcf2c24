import type { components, paths } from './schema/openapi.generated';
import { FilterValidationIssue } from './types';

/**
 * Request and response types of /api/filters/v1, named for their callers. They are generated
 * from the backend's OpenAPI document (`plugins/filters-backend/src/schema/openapi.yaml`), the
 * source of truth: change the document and regenerate, never these aliases.
 */
type Schemas = components['schemas'];
type JsonOk<Op> = Op extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

/** Body of POST /api/filters/v1/query, /count and /explain. */
export type FilterQueryRequest = Schemas['FilterRequest'];
export type QueryStats = Schemas['QueryStats'];
export type FilterQueryResponse = Schemas['QueryResponse'];
export type FilterCountResponse = Schemas['CountResponse'];
export type FilterExplainResponse = Schemas['ExplainResponse'];
export type DatasetListResponse = JsonOk<paths['/v1/datasets']['get']>;
/** An account of the product database, as GET /api/filters/v1/accounts lists it. */
export type AccountSummary = Schemas['Account'];
export type AccountSearchResponse = JsonOk<paths['/v1/accounts']['get']>;
/** Query of GET /api/filters/v1/accounts (numbers travel as query strings). */
export type AccountSearchQuery = NonNullable<
  paths['/v1/accounts']['get']['parameters']['query']
>;

/** `details` of a 400 invalid-request error. */
export interface FilterValidationErrorDetails {
  issues: FilterValidationIssue[];
}

/** `details` of a 422 cost-gate rejection. */
export interface FilterRejectionDetails {
  reason: 'cost' | 'timeout';
  estimatedCost?: number;
  costThreshold?: number;
  timeoutMs?: number;
  suggestedFields: string[];
}
