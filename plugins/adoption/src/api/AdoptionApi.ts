import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { OpenApi } from '@internal/plugin-adoption-common';

type Json<
  P extends keyof OpenApi.paths,
  M extends keyof OpenApi.paths[P],
> = OpenApi.paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

export type MatrixDto = OpenApi.components['schemas']['Matrix'];
export type CellDto = OpenApi.components['schemas']['Cell'];
export type ScorecardDto = OpenApi.components['schemas']['Scorecard'];
export type ScorecardList = Json<'/v1/scorecards', 'get'>;
export type InventoryDto = Json<'/v1/capabilities', 'get'>;
export type CampaignList = Json<'/v1/campaigns', 'get'>;
export type RoadmapDto = Json<'/v1/roadmap', 'get'>;
export type RiskList = Json<'/v1/risks', 'get'>;
export type CellHistory = Json<'/v1/matrix/{team}/{capability}/history', 'get'>;

export type RiskChanges = NonNullable<
  OpenApi.paths['/v1/risks/{id}']['patch']['requestBody']
>['content']['application/json'];
export type RiskUpdate = Json<'/v1/risks/{id}', 'patch'>;

export interface AdoptionApi {
  getMatrix(): Promise<MatrixDto>;
  getCellHistory(team: string, capability: string): Promise<CellHistory>;
  listScorecards(): Promise<ScorecardList>;
  getTeamScorecard(team: string): Promise<ScorecardDto>;
  getInventory(): Promise<InventoryDto>;
  listCampaigns(): Promise<CampaignList>;
  getRoadmap(): Promise<RoadmapDto>;
  listRisks(): Promise<RiskList>;
  updateRisk(id: string, changes: RiskChanges): Promise<RiskUpdate>;
}

export const adoptionApiRef = createApiRef<AdoptionApi>({
  id: 'plugin.adoption.service',
});

/** Client of /api/adoption/v1; fetchApi attaches the user's Backstage token. */
export class AdoptionClient implements AdoptionApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async get<T>(path: string): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('adoption');
    const res = await this.options.fetchApi.fetch(`${base}/v1/${path}`);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }

  getMatrix() {
    return this.get<MatrixDto>('matrix');
  }
  getCellHistory(team: string, capability: string) {
    return this.get<CellHistory>(
      `matrix/${encodeURIComponent(team)}/${encodeURIComponent(
        capability,
      )}/history`,
    );
  }
  listScorecards() {
    return this.get<ScorecardList>('scorecards');
  }
  getTeamScorecard(team: string) {
    return this.get<ScorecardDto>(
      `teams/${encodeURIComponent(team)}/scorecard`,
    );
  }
  getInventory() {
    return this.get<InventoryDto>('capabilities');
  }
  listCampaigns() {
    return this.get<CampaignList>('campaigns');
  }
  getRoadmap() {
    return this.get<RoadmapDto>('roadmap');
  }
  listRisks() {
    return this.get<RiskList>('risks');
  }
  async updateRisk(id: string, changes: RiskChanges) {
    const base = await this.options.discoveryApi.getBaseUrl('adoption');
    const res = await this.options.fetchApi.fetch(
      `${base}/v1/risks/${encodeURIComponent(id)}`,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(changes),
      },
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as RiskUpdate;
  }
}
