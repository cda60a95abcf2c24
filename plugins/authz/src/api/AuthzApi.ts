import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { OpenApiClient } from '@internal/plugin-platform-common';
import type { OpenApi } from '@internal/plugin-authz-common';

type Paths = OpenApi.paths;
type Json<T> = T extends {
  responses: { 200: { content: { 'application/json': infer B } } };
}
  ? B
  : never;
type Body<T> = T extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export type RevisionList = Json<Paths['/v1/revisions']['get']>;
export type RevisionSource = Json<Paths['/v1/revisions/{id}']['get']>;
export type EvaluateRequest = Body<Paths['/v1/evaluate']['post']>;
export type EvaluateResponse = Json<Paths['/v1/evaluate']['post']>;
export type TestRequest = Body<Paths['/v1/test']['post']>;
export type TestResponse = Json<Paths['/v1/test']['post']>;
export type ReplayRequest = Body<Paths['/v1/replay']['post']>;
export type ReplayResult = OpenApi.components['schemas']['ReplayResult'];
export type ShadowStatsResponse = Json<Paths['/v1/shadow/stats']['get']>;
export type DecisionPage = Json<Paths['/v1/decisions']['get']>;
export type LoggedDecision = OpenApi.components['schemas']['LoggedDecision'];
export type RegoError = OpenApi.components['schemas']['RegoError'];
export type PortalUser = OpenApi.components['schemas']['PortalUser'];
export type PolicyKind = OpenApi.components['schemas']['PolicyKind'];

export interface DecisionFilter {
  subject?: string;
  action?: string;
  outcome?: 'allowed' | 'denied';
  team?: string;
  from?: string;
  to?: string;
  before?: string;
}

export interface AuthzApi {
  /** Revisions of the product policy (default) or the portal policy. */
  listRevisions(policy?: PolicyKind): Promise<RevisionList>;
  getRevision(id: string): Promise<RevisionSource>;
  /** The organisation's catalog users with their teams and grants (portal-user subjects). */
  listPortalUsers(q?: string): Promise<PortalUser[]>;
  evaluate(body: EvaluateRequest): Promise<EvaluateResponse>;
  runTests(body: TestRequest): Promise<TestResponse>;
  replay(body: ReplayRequest): Promise<ReplayResult>;
  shadowStats(hours: number): Promise<ShadowStatsResponse>;
  decisions(filter: DecisionFilter, limit?: number): Promise<DecisionPage>;
  /** NDJSON text of every matching decision. */
  exportDecisions(filter: DecisionFilter): Promise<string>;
}

export const authzApiRef = createApiRef<AuthzApi>({
  id: 'plugin.authz.service',
});

/** Typed client of /api/authz/v1 (types generated from the backend's OpenAPI document). */
export class AuthzClient implements AuthzApi {
  private readonly client: OpenApiClient<Paths>;
  constructor(deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.client = new OpenApiClient('authz', deps);
  }

  listRevisions(policy?: PolicyKind) {
    return this.client.call('get', '/v1/revisions', {
      query: policy ? { policy } : {},
    });
  }
  getRevision(id: string) {
    return this.client.call('get', '/v1/revisions/{id}', { params: { id } });
  }
  async listPortalUsers(q?: string) {
    const { users } = await this.client.call('get', '/v1/portal-users', {
      query: { ...(q ? { q } : {}), limit: 500 },
    });
    return users;
  }
  evaluate(body: EvaluateRequest) {
    return this.client.call('post', '/v1/evaluate', { body });
  }
  runTests(body: TestRequest) {
    return this.client.call('post', '/v1/test', { body });
  }
  replay(body: ReplayRequest) {
    return this.client.call('post', '/v1/replay', { body });
  }
  shadowStats(hours: number) {
    return this.client.call('get', '/v1/shadow/stats', {
      query: { hours },
    });
  }
  decisions(filter: DecisionFilter, limit = 50) {
    return this.client.call('get', '/v1/decisions', {
      query: { ...filter, limit },
    });
  }
  async exportDecisions(filter: DecisionFilter) {
    const response = await this.client.fetch('get', '/v1/decisions/export', {
      query: filter,
    });
    return response.text();
  }
}
