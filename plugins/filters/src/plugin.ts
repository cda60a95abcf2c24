import {
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { clientApiFactory } from '@internal/plugin-platform-react';
import { filtersApiRef, FiltersClient } from '@internal/plugin-filters-react';
import { rootRouteRef } from './routes';

export const filtersPlugin = createPlugin({
  id: 'filters',
  apis: [clientApiFactory(filtersApiRef, FiltersClient)],
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
