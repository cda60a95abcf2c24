import {
  ApiRef,
  createApiFactory,
  DiscoveryApi,
  discoveryApiRef,
  FetchApi,
  fetchApiRef,
} from '@backstage/core-plugin-api';

/**
 * The API factory of a portal plugin's HTTP client: every client is built from the discovery
 * API (its `/api/<id>` base URL) and the fetch API (which attaches the user's Backstage token).
 */
export function clientApiFactory<Api>(
  api: ApiRef<Api>,
  Client: new (deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) => Api,
) {
  return createApiFactory({
    api,
    deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
    factory: ({ discoveryApi, fetchApi }) =>
      new Client({ discoveryApi, fetchApi }),
  });
}
