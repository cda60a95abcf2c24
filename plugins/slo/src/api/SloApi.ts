import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { OpenApi } from '@internal/plugin-slo-common';

type Json<T> = T extends {
  responses: { 200: { content: { 'application/json': infer B } } };
}
  ? B
  : never;
type Paths = OpenApi.paths;

export type SloListResponse = Json<Paths['/v1/slos']['get']>;
export type SloSummary = OpenApi.components['schemas']['SloSummary'];
export type SloDetail = Json<Paths['/v1/slos/{id}']['get']>;
export type SloHistory = Json<Paths['/v1/slos/{id}/history']['get']>;
export type AlertList = Json<Paths['/v1/alerts']['get']>;
export type Runbook = Json<Paths['/v1/runbooks/{name}']['get']>;
export type RunbookList = Json<Paths['/v1/runbooks']['get']>;

export interface SloApi {
  listSlos(owner?: string): Promise<SloListResponse>;
  getSlo(id: string, asOf?: string): Promise<SloDetail>;
  getHistory(id: string): Promise<SloHistory>;
  listAlerts(sloId?: string): Promise<AlertList>;
  getRunbook(name: string): Promise<Runbook>;
  listRunbooks(): Promise<RunbookList>;
}

export const sloApiRef = createApiRef<SloApi>({ id: 'plugin.slo.service' });

/** Typed client of /api/slo/v1 (types generated from the backend's OpenAPI document). */
export class SloClient implements SloApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  private async get<T>(
    path: string,
    query: Record<string, string | undefined> = {},
  ): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl('slo');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query))
      if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    const res = await this.deps.fetchApi.fetch(
      `${base}${path}${qs ? `?${qs}` : ''}`,
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }

  listSlos(owner?: string) {
    return this.get<SloListResponse>('/v1/slos', { owner });
  }
  getSlo(id: string, asOf?: string) {
    return this.get<SloDetail>(`/v1/slos/${encodeURIComponent(id)}`, { asOf });
  }
  getHistory(id: string) {
    return this.get<SloHistory>(`/v1/slos/${encodeURIComponent(id)}/history`);
  }
  listAlerts(sloId?: string) {
    return this.get<AlertList>('/v1/alerts', { sloId });
  }
  listRunbooks() {
    return this.get<RunbookList>('/v1/runbooks');
  }
  getRunbook(name: string) {
    return this.get<Runbook>(`/v1/runbooks/${encodeURIComponent(name)}`);
  }
}
