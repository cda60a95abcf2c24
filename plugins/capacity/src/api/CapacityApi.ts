import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import {
  OpenApiClient,
  OperationResponse,
} from '@internal/plugin-platform-common';
import { OpenApi } from '@internal/plugin-capacity-common';

type Json<
  P extends keyof OpenApi.paths,
  M extends keyof OpenApi.paths[P],
> = OperationResponse<OpenApi.paths, P, M>;

export type LimitList = Json<'/v1/limits', 'get'>;
export type LimitViewDto = LimitList['limits'][number];
export type ProjectList = Json<'/v1/projects', 'get'>;
export type WeeklyReviewDto = Json<'/v1/review', 'get'>;
export type CostGuardrailsDto = Json<'/v1/costs', 'get'>;
export type CollectorList = Json<'/v1/collectors', 'get'>;

export interface CapacityApi {
  listLimits(): Promise<LimitList>;
  listProjects(): Promise<ProjectList>;
  getReview(): Promise<WeeklyReviewDto>;
  getCosts(month?: string): Promise<CostGuardrailsDto>;
  listCollectors(): Promise<CollectorList>;
}

export const capacityApiRef = createApiRef<CapacityApi>({
  id: 'plugin.capacity.service',
});

/** Client of /api/capacity/v1; fetchApi attaches the user's Backstage token. */
export class CapacityClient implements CapacityApi {
  private readonly client: OpenApiClient<OpenApi.paths>;
  constructor(deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.client = new OpenApiClient('capacity', deps);
  }

  listLimits() {
    return this.client.call('get', '/v1/limits');
  }
  listProjects() {
    return this.client.call('get', '/v1/projects');
  }
  getReview() {
    return this.client.call('get', '/v1/review');
  }
  getCosts(month?: string) {
    return this.client.call('get', '/v1/costs', { query: { month } });
  }
  listCollectors() {
    return this.client.call('get', '/v1/collectors');
  }
}
