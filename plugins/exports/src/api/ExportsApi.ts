import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
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
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('exports');
    const res = await this.options.fetchApi.fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }

  create(request: CreateExportRequest) {
    return this.call<ExportJob>('POST', '/v1/exports', request);
  }
  list() {
    return this.call<ExportList>('GET', '/v1/exports?limit=50');
  }
  cancel(id: string) {
    return this.call<ExportJob>(
      'POST',
      `/v1/exports/${encodeURIComponent(id)}/cancel`,
    );
  }
  retry(id: string) {
    return this.call<ExportJob>(
      'POST',
      `/v1/exports/${encodeURIComponent(id)}/retry`,
    );
  }
  async downloadUrl(id: string) {
    const { url } = await this.call<{ url: string }>(
      'POST',
      `/v1/exports/${encodeURIComponent(id)}/download-url`,
    );
    return `${await this.options.discoveryApi.getBaseUrl('exports')}${url}`;
  }
  async deliveries(id: string) {
    const { items } = await this.call<{ items: WebhookDelivery[] }>(
      'GET',
      `/v1/exports/${encodeURIComponent(id)}/deliveries`,
    );
    return items;
  }
  stats(hours: number) {
    return this.call<ExportStats>(
      'GET',
      `/v1/stats?hours=${encodeURIComponent(String(hours))}`,
    );
  }
}
