import { ResponseError } from '@backstage/errors';

/** What the client needs of Backstage's discovery and fetch APIs (structural: isomorphic). */
export interface OpenApiClientDeps {
  discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
  fetchApi: { fetch(input: string, init?: RequestInit): Promise<Response> };
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The paths of a spec that have an operation for `M`. */
export type PathsWith<Paths, M extends Method> = {
  [P in keyof Paths]: Paths[P] extends { [K in M]: object } ? P : never;
}[keyof Paths] &
  string;

type Operation<
  Paths,
  P extends keyof Paths,
  M extends Method,
> = Paths[P] extends {
  [K in M]: infer Op;
}
  ? Op
  : never;

type JsonContent<R> = R extends { content: { 'application/json': infer B } }
  ? B
  : never;

/** The JSON body of an operation's success response (200, 201 or 202; `void` for 204). */
export type OpenApiResponse<Op> = Op extends { responses: infer R }
  ? R extends { 200: infer Ok }
    ? JsonContent<Ok>
    : R extends { 201: infer Created }
    ? JsonContent<Created>
    : R extends { 202: infer Accepted }
    ? JsonContent<Accepted>
    : void
  : never;

/** The success body of operation `M` of path `P` in a spec's generated `paths`. */
export type OperationResponse<
  Paths,
  P extends keyof Paths,
  M extends keyof Paths[P],
> = OpenApiResponse<Paths[P][M]>;

/** The JSON request body of an operation. */
export type OpenApiRequestBody<Op> = Op extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The query parameters of an operation. */
export type OpenApiQuery<Op> = Op extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;

type PathParams<Op> = Op extends { parameters: { path?: infer Pp } }
  ? NonNullable<Pp>
  : never;

/** Options of one call: path parameters (`{name}` in the path), query and body, as the spec types them. */
export interface OpenApiCallOptions<Op> {
  params?: PathParams<Op>;
  query?: OpenApiQuery<Op>;
  body?: OpenApiRequestBody<Op>;
  /** More fetch options (e.g. `keepalive`). */
  init?: Omit<RequestInit, 'method' | 'body'>;
}

/**
 * A typed client of one plugin's `/api/<pluginId>` routes, every request and response typed by
 * the plugin's generated OpenAPI `paths`. Errors are `ResponseError`s carrying the server's
 * error body (field paths in 400s).
 */
export class OpenApiClient<Paths> {
  constructor(
    private readonly pluginId: string,
    private readonly deps: OpenApiClientDeps,
  ) {}

  async call<M extends Method, P extends PathsWith<Paths, M>>(
    method: M,
    path: P,
    options: OpenApiCallOptions<Operation<Paths, P, M>> = {},
  ): Promise<OpenApiResponse<Operation<Paths, P, M>>> {
    const response = await this.fetch(method, path, options);
    if (response.status === 204) return undefined as any;
    // The server validated this body against the same document.
    return (await response.json()) as OpenApiResponse<Operation<Paths, P, M>>;
  }

  /** The raw response (for downloads and other non-JSON bodies). */
  async fetch<M extends Method, P extends PathsWith<Paths, M>>(
    method: M,
    path: P,
    options: OpenApiCallOptions<Operation<Paths, P, M>> = {},
  ): Promise<Response> {
    const base = await this.deps.discoveryApi.getBaseUrl(this.pluginId);
    const response = await this.deps.fetchApi.fetch(
      `${base}${urlOf(path, options.params, options.query)}`,
      {
        ...options.init,
        method: method.toUpperCase(),
        ...(options.body === undefined
          ? {}
          : {
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify(options.body),
            }),
      },
    );
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return response;
  }
}

function urlOf(path: string, params?: object, query?: object): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = (params as Record<string, unknown> | undefined)?.[name];
    if (value === undefined) {
      throw new Error(
        `OpenApiClient: path parameter ${name} missing for ${path}`,
      );
    }
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      search.append(key, String(item));
    }
  }
  const qs = search.toString();
  return qs ? `${filled}?${qs}` : filled;
}
