import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { exportsApiRef, ExportsClient } from './api/ExportsApi';
import { rootRouteRef } from './routes';

export const exportsPlugin = createPlugin({
  id: 'exports',
  apis: [
    createApiFactory({
      api: exportsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ExportsClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/** The "Exports" page: create an export, watch "My exports", download, retry, cancel. */
export const ExportsPage = exportsPlugin.provide(
  createRoutableExtension({
    name: 'ExportsPage',
    component: () =>
      import('./components/ExportsPage').then(m => m.ExportsPage),
    mountPoint: rootRouteRef,
  }),
);
