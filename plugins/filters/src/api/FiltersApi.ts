import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  DatasetListResponse,
  FilterCountResponse,
  FilterExplainResponse,
  FilterQueryRequest,
  FilterQueryResponse,
} from '@internal/plugin-filters-common';

export interface FiltersApi {
  listDatasets(): Promise<DatasetListResponse>;
  query(request: FilterQueryRequest): Promise<FilterQueryResponse>;
  count(request: FilterQueryRequest): Promise<FilterCountResponse>;
  explain(
    request: FilterQueryRequest & { kind?: 'rows' | 'count' },
  ): Promise<FilterExplainResponse>;
}

export const filtersApiRef = createApiRef<FiltersApi>({
  id: 'plugin.filters.service',
});

/** Client of /api/filters/v1; fetchApi attaches the user's Backstage token. */
export class FiltersClient implements FiltersApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async call<T>(path: string, body?: unknown): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('filters');
    const res = await this.options.fetchApi.fetch(`${base}/v1/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers:
        body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }

  listDatasets() {
    return this.call<DatasetListResponse>('datasets');
  }
  query(request: FilterQueryRequest) {
    return this.call<FilterQueryResponse>('query', request);
  }
  count(request: FilterQueryRequest) {
    return this.call<FilterCountResponse>('count', request);
  }
  explain(request: FilterQueryRequest & { kind?: 'rows' | 'count' }) {
    return this.call<FilterExplainResponse>('explain', request);
  }
}
