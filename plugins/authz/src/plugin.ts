import {
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { clientApiFactory } from '@internal/plugin-platform-react';
import { authzApiRef, AuthzClient } from './api/AuthzApi';
import { rootRouteRef } from './routes';

export const authzPlugin = createPlugin({
  id: 'authz',
  apis: [clientApiFactory(authzApiRef, AuthzClient)],
  routes: { root: rootRouteRef },
});

/** `/policies`: Rego playground, replay, shadow-mode dashboard and decision log. */
export const PoliciesPage = authzPlugin.provide(
  createRoutableExtension({
    name: 'PoliciesPage',
    component: () =>
      import('./components/PoliciesPage').then(m => m.PoliciesPage),
    mountPoint: rootRouteRef,
  }),
);
