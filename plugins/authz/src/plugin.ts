import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { authzApiRef, AuthzClient } from './api/AuthzApi';
import { rootRouteRef } from './routes';

export const authzPlugin = createPlugin({
  id: 'authz',
  apis: [
    createApiFactory({
      api: authzApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new AuthzClient({ discoveryApi, fetchApi }),
    }),
  ],
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
