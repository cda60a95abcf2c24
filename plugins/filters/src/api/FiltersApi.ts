import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
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

// Request and response types of each route, read from the types generated from the
// backend's OpenAPI document.
type Paths = OpenApi.paths;
type GetPath = {
  [P in keyof Paths]: Paths[P]['get'] extends object ? P : never;
}[keyof Paths];
type PostPath = {
  [P in keyof Paths]: Paths[P]['post'] extends object ? P : never;
}[keyof Paths];
type JsonOk<Op> = Op extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;
type JsonBody<Op> = Op extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
type Query<Op> = Op extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;

/** Client of /api/filters/v1; fetchApi attaches the user's Backstage token. */
export class FiltersClient implements FiltersApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async send(path: string, init?: RequestInit): Promise<unknown> {
    const base = await this.options.discoveryApi.getBaseUrl('filters');
    const res = await this.options.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res.json();
  }

  private async get<P extends GetPath>(
    path: P,
    query?: Query<Paths[P]['get']>,
  ): Promise<JsonOk<Paths[P]['get']>> {
    const params = Object.entries(query ?? {})
      .filter(
        (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
      )
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    // The server validated this body against the same document.
    return (await this.send(params ? `${path}?${params}` : path)) as JsonOk<
      Paths[P]['get']
    >;
  }

  private async post<P extends PostPath>(
    path: P,
    body: JsonBody<Paths[P]['post']>,
  ): Promise<JsonOk<Paths[P]['post']>> {
    return (await this.send(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })) as JsonOk<Paths[P]['post']>;
  }

  listDatasets() {
    return this.get('/v1/datasets');
  }
  searchAccounts(options: AccountSearchOptions) {
    return this.get('/v1/accounts', {
      q: options.q,
      limit: options.limit === undefined ? undefined : String(options.limit),
      offset: options.offset === undefined ? undefined : String(options.offset),
    });
  }
  query(request: FilterQueryRequest) {
    return this.post('/v1/query', request);
  }
  count(request: FilterQueryRequest) {
    return this.post('/v1/count', request);
  }
  explain(request: FilterQueryRequest) {
    return this.post('/v1/explain', request);
  }
}
