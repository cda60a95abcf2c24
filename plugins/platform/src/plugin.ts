import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { rootRouteRef } from './routes';
import { platformApiRef } from './api/PlatformApi';
import { PlatformClient } from './api/PlatformClient';

export const platformPlugin = createPlugin({
  id: 'platform',
  apis: [
    createApiFactory({
      api: platformApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new PlatformClient(deps),
    }),
  ],
  routes: { root: rootRouteRef },
});

/** The "Platform health" page. */
export const PlatformHealthPage = platformPlugin.provide(
  createRoutableExtension({
    name: 'PlatformHealthPage',
    component: () =>
      import('./components/PlatformHealthPage').then(m => m.PlatformHealthPage),
    mountPoint: rootRouteRef,
  }),
);
