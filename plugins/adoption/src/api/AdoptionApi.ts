import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import {
  OpenApiClient,
  OperationResponse,
} from '@internal/plugin-platform-common';
import { OpenApi } from '@internal/plugin-adoption-common';

type Json<
  P extends keyof OpenApi.paths,
  M extends keyof OpenApi.paths[P],
> = OperationResponse<OpenApi.paths, P, M>;

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

/** A capability id, as the API's paths accept it. */
export type CapabilityId =
  OpenApi.paths['/v1/matrix/{team}/{capability}/history']['get']['parameters']['path']['capability'];

export interface AdoptionApi {
  getMatrix(): Promise<MatrixDto>;
  getCellHistory(team: string, capability: CapabilityId): Promise<CellHistory>;
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
  private readonly client: OpenApiClient<OpenApi.paths>;
  constructor(deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.client = new OpenApiClient('adoption', deps);
  }

  getMatrix() {
    return this.client.call('get', '/v1/matrix');
  }
  getCellHistory(team: string, capability: CapabilityId) {
    return this.client.call('get', '/v1/matrix/{team}/{capability}/history', {
      params: { team, capability },
    });
  }
  listScorecards() {
    return this.client.call('get', '/v1/scorecards');
  }
  getTeamScorecard(team: string) {
    return this.client.call('get', '/v1/teams/{team}/scorecard', {
      params: { team },
    });
  }
  getInventory() {
    return this.client.call('get', '/v1/capabilities');
  }
  listCampaigns() {
    return this.client.call('get', '/v1/campaigns');
  }
  getRoadmap() {
    return this.client.call('get', '/v1/roadmap');
  }
  listRisks() {
    return this.client.call('get', '/v1/risks');
  }
  updateRisk(id: string, changes: RiskChanges) {
    return this.client.call('patch', '/v1/risks/{id}', {
      params: { id },
      body: changes,
    });
  }
}
