import {
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { clientApiFactory } from '@internal/plugin-platform-react';
import { rootRouteRef } from './routes';
import { platformApiRef } from './api/PlatformApi';
import { PlatformClient } from './api/PlatformClient';

export const platformPlugin = createPlugin({
  id: 'platform',
  apis: [clientApiFactory(platformApiRef, PlatformClient)],
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
