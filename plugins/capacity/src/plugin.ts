import {
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { clientApiFactory } from '@internal/plugin-platform-react';
import { capacityApiRef, CapacityClient } from './api/CapacityApi';
import { rootRouteRef } from './routes';

export const capacityPlugin = createPlugin({
  id: 'capacity',
  apis: [clientApiFactory(capacityApiRef, CapacityClient)],
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
