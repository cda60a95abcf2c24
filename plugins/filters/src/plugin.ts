import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { filtersApiRef, FiltersClient } from './api/FiltersApi';
import { rootRouteRef } from './routes';

export const filtersPlugin = createPlugin({
  id: 'filters',
  apis: [
    createApiFactory({
      api: filtersApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new FiltersClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/** The "Data explorer" page: pick a dataset and an account, build a filter, preview rows. */
export const DataExplorerPage = filtersPlugin.provide(
  createRoutableExtension({
    name: 'DataExplorerPage',
    component: () =>
      import('./components/DataExplorerPage').then(m => m.DataExplorerPage),
    mountPoint: rootRouteRef,
  }),
);
