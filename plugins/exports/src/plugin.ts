import {
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { clientApiFactory } from '@internal/plugin-platform-react';
import { exportsApiRef, ExportsClient } from './api/ExportsApi';
import { rootRouteRef } from './routes';

export const exportsPlugin = createPlugin({
  id: 'exports',
  apis: [clientApiFactory(exportsApiRef, ExportsClient)],
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
