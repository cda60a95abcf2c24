import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { OpenApiClient } from '@internal/plugin-platform-common';
import { OpenApi } from '@internal/plugin-exports-common';

export type ExportJob = OpenApi.components['schemas']['ExportJob'];
export type CreateExportRequest =
  OpenApi.components['schemas']['CreateExportRequest'];
export type ExportList =
  OpenApi.paths['/v1/exports']['get']['responses']['200']['content']['application/json'];
export type ExportStats = OpenApi.components['schemas']['ExportStats'];
export type WebhookDelivery = OpenApi.components['schemas']['WebhookDelivery'];

export interface ExportsApi {
  create(request: CreateExportRequest): Promise<ExportJob>;
  list(): Promise<ExportList>;
  cancel(id: string): Promise<ExportJob>;
  retry(id: string): Promise<ExportJob>;
  /** An absolute, signed (15-minute) download URL. */
  downloadUrl(id: string): Promise<string>;
  /** A job's webhook delivery attempts, oldest first. */
  deliveries(id: string): Promise<WebhookDelivery[]>;
  /** The admin statistics of the last `hours` (exports.export.admin). */
  stats(hours: number): Promise<ExportStats>;
}

export const exportsApiRef = createApiRef<ExportsApi>({
  id: 'plugin.exports.service',
});

/** Client of /api/exports/v1; fetchApi attaches the user's Backstage token. */
export class ExportsClient implements ExportsApi {
  private readonly client: OpenApiClient<OpenApi.paths>;
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {
    this.client = new OpenApiClient('exports', deps);
  }

  create(request: CreateExportRequest) {
    return this.client.call('post', '/v1/exports', { body: request });
  }
  list() {
    return this.client.call('get', '/v1/exports', { query: { limit: 50 } });
  }
  cancel(id: string) {
    return this.client.call('post', '/v1/exports/{id}/cancel', {
      params: { id },
    });
  }
  retry(id: string) {
    return this.client.call('post', '/v1/exports/{id}/retry', {
      params: { id },
    });
  }
  async downloadUrl(id: string) {
    const { url } = await this.client.call(
      'post',
      '/v1/exports/{id}/download-url',
      { params: { id } },
    );
    return `${await this.deps.discoveryApi.getBaseUrl('exports')}${url}`;
  }
  async deliveries(id: string) {
    const { items } = await this.client.call(
      'get',
      '/v1/exports/{id}/deliveries',
      { params: { id } },
    );
    return items;
  }
  stats(hours: number) {
    return this.client.call('get', '/v1/stats', { query: { hours } });
  }
}
