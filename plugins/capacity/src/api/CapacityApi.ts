import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { OpenApi } from '@internal/plugin-capacity-common';

type Json<
  P extends keyof OpenApi.paths,
  M extends keyof OpenApi.paths[P],
> = OpenApi.paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

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
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async get<T>(path: string): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('capacity');
    const res = await this.options.fetchApi.fetch(`${base}/v1/${path}`);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }

  listLimits() {
    return this.get<LimitList>('limits');
  }
  listProjects() {
    return this.get<ProjectList>('projects');
  }
  getReview() {
    return this.get<WeeklyReviewDto>('review');
  }
  getCosts(month?: string) {
    return this.get<CostGuardrailsDto>(
      month ? `costs?month=${encodeURIComponent(month)}` : 'costs',
    );
  }
  listCollectors() {
    return this.get<CollectorList>('collectors');
  }
}
