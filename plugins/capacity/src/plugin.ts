import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { capacityApiRef, CapacityClient } from './api/CapacityApi';
import { rootRouteRef } from './routes';

export const capacityPlugin = createPlugin({
  id: 'capacity',
  apis: [
    createApiFactory({
      api: capacityApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new CapacityClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/** The "Capacity" page: the doomsday clock, capacity projects, weekly review, cost guardrails. */
export const CapacityPage = capacityPlugin.provide(
  createRoutableExtension({
    name: 'CapacityPage',
    component: () =>
      import('./components/CapacityPage').then(m => m.CapacityPage),
    mountPoint: rootRouteRef,
  }),
);
