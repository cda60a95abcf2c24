import {
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { clientApiFactory } from '@internal/plugin-platform-react';
import { adoptionApiRef, AdoptionClient } from './api/AdoptionApi';
import { rootRouteRef } from './routes';

export const adoptionPlugin = createPlugin({
  id: 'adoption',
  apis: [clientApiFactory(adoptionApiRef, AdoptionClient)],
  routes: { root: rootRouteRef },
});

/** The "Adoption" page: scorecards, matrix, inventory, campaigns, roadmap, risks. */
export const AdoptionPage = adoptionPlugin.provide(
  createRoutableExtension({
    name: 'AdoptionPage',
    component: () =>
      import('./components/AdoptionPage').then(m => m.AdoptionPage),
    mountPoint: rootRouteRef,
  }),
);

/** "Platform adoption" card for Group and Component entity pages. */
export const EntityAdoptionCard = adoptionPlugin.provide(
  createComponentExtension({
    name: 'EntityAdoptionCard',
    component: {
      lazy: () =>
        import('./components/EntityAdoptionCard').then(
          m => m.EntityAdoptionCard,
        ),
    },
  }),
);
