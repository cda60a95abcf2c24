import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
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
  listRevisions(): Promise<RevisionList>;
  getRevision(id: string): Promise<RevisionSource>;
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

const query = (params: Record<string, string | number | undefined>) => {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
};

/** Typed client of /api/authz/v1 (types generated from the backend's OpenAPI document). */
export class AuthzClient implements AuthzApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  private async call<T>(path: string, body?: unknown): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl('authz');
    const res = await this.deps.fetchApi.fetch(
      `${base}${path}`,
      body === undefined
        ? undefined
        : {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          },
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }

  listRevisions() {
    return this.call<RevisionList>('/v1/revisions');
  }
  getRevision(id: string) {
    return this.call<RevisionSource>(`/v1/revisions/${encodeURIComponent(id)}`);
  }
  evaluate(body: EvaluateRequest) {
    return this.call<EvaluateResponse>('/v1/evaluate', body);
  }
  runTests(body: TestRequest) {
    return this.call<TestResponse>('/v1/test', body);
  }
  replay(body: ReplayRequest) {
    return this.call<ReplayResult>('/v1/replay', body);
  }
  shadowStats(hours: number) {
    return this.call<ShadowStatsResponse>(
      `/v1/shadow/stats${query({ hours })}`,
    );
  }
  decisions(filter: DecisionFilter, limit = 50) {
    return this.call<DecisionPage>(
      `/v1/decisions${query({ ...filter, limit })}`,
    );
  }
  async exportDecisions(filter: DecisionFilter) {
    const base = await this.deps.discoveryApi.getBaseUrl('authz');
    const res = await this.deps.fetchApi.fetch(
      `${base}/v1/decisions/export${query({ ...filter })}`,
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res.text();
  }
}
