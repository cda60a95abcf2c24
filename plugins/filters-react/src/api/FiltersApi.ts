import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { OpenApiClient } from '@internal/plugin-platform-common';
import type {
  AccountSearchResponse,
  DatasetListResponse,
  FilterCountResponse,
  FilterExplainResponse,
  FilterQueryRequest,
  FilterQueryResponse,
  OpenApi,
} from '@internal/plugin-filters-common';

export interface AccountSearchOptions {
  /** Part of an account name, or a whole account id (at most 100 characters). */
  q?: string;
  /** 1..50, default 20. */
  limit?: number;
  offset?: number;
}

export interface FiltersApi {
  listDatasets(): Promise<DatasetListResponse>;
  searchAccounts(options: AccountSearchOptions): Promise<AccountSearchResponse>;
  query(request: FilterQueryRequest): Promise<FilterQueryResponse>;
  count(request: FilterQueryRequest): Promise<FilterCountResponse>;
  explain(request: FilterQueryRequest): Promise<FilterExplainResponse>;
}

export const filtersApiRef = createApiRef<FiltersApi>({
  id: 'plugin.filters.service',
});

/** Client of /api/filters/v1; fetchApi attaches the user's Backstage token. */
export class FiltersClient implements FiltersApi {
  private readonly client: OpenApiClient<OpenApi.paths>;
  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.client = new OpenApiClient('filters', options);
  }

  listDatasets() {
    return this.client.call('get', '/v1/datasets');
  }
  searchAccounts(options: AccountSearchOptions) {
    return this.client.call('get', '/v1/accounts', {
      query: {
        q: options.q,
        limit: options.limit === undefined ? undefined : String(options.limit),
        offset:
          options.offset === undefined ? undefined : String(options.offset),
      },
    });
  }
  query(request: FilterQueryRequest) {
    return this.client.call('post', '/v1/query', { body: request });
  }
  count(request: FilterQueryRequest) {
    return this.client.call('post', '/v1/count', { body: request });
  }
  explain(request: FilterQueryRequest) {
    return this.client.call('post', '/v1/explain', { body: request });
  }
}
