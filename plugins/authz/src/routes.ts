import { createRouteRef } from '@backstage/core-plugin-api';

/** `/policies`: the policy playground. */
export const rootRouteRef = createRouteRef({ id: 'authz' });
