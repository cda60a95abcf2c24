import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import {
  OpenApiClient,
  OpenApiResponse,
} from '@internal/plugin-platform-common';
import type { OpenApi } from '@internal/plugin-slo-common';

type Json<T> = OpenApiResponse<T>;
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
  private readonly client: OpenApiClient<Paths>;
  constructor(deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.client = new OpenApiClient('slo', deps);
  }

  listSlos(owner?: string) {
    return this.client.call('get', '/v1/slos', { query: { owner } });
  }
  getSlo(id: string, asOf?: string) {
    return this.client.call('get', '/v1/slos/{id}', {
      params: { id },
      query: { asOf },
    });
  }
  getHistory(id: string) {
    return this.client.call('get', '/v1/slos/{id}/history', {
      params: { id },
    });
  }
  listAlerts(sloId?: string) {
    return this.client.call('get', '/v1/alerts', { query: { sloId } });
  }
  listRunbooks() {
    return this.client.call('get', '/v1/runbooks');
  }
  getRunbook(name: string) {
    return this.client.call('get', '/v1/runbooks/{name}', {
      params: { name },
    });
  }
}
