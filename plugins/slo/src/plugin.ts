import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { sloApiRef, SloClient } from './api/SloApi';
import { rootRouteRef, runbookRouteRef } from './routes';

export const sloPlugin = createPlugin({
  id: 'slo',
  apis: [
    createApiFactory({
      api: sloApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new SloClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef, runbook: runbookRouteRef },
});

/** `/slos` (list) and `/slos/:id` (detail). */
export const SloPage = sloPlugin.provide(
  createRoutableExtension({
    name: 'SloPage',
    component: () => import('./components/SloRouter').then(m => m.SloRouter),
    mountPoint: rootRouteRef,
  }),
);

/** `/runbooks/:name`: docs/runbooks/<name>.md rendered as markdown. */
export const RunbookPage = sloPlugin.provide(
  createRoutableExtension({
    name: 'RunbookPage',
    component: () =>
      import('./components/RunbookPage').then(m => m.RunbookPage),
    mountPoint: runbookRouteRef,
  }),
);

/** SLO tab content of a catalog Component: the SLOs whose `service` is the entity's name. */
export const EntitySloContent = sloPlugin.provide(
  createComponentExtension({
    name: 'EntitySloContent',
    component: {
      lazy: () =>
        import('./components/EntitySloContent').then(m => m.EntitySloContent),
    },
  }),
);
