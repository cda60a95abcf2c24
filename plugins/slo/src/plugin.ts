import {
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { clientApiFactory } from '@internal/plugin-platform-react';
import { sloApiRef, SloClient } from './api/SloApi';
import { rootRouteRef, runbookRouteRef } from './routes';

export const sloPlugin = createPlugin({
  id: 'slo',
  apis: [clientApiFactory(sloApiRef, SloClient)],
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
