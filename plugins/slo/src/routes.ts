import { createRouteRef } from '@backstage/core-plugin-api';

/** `/slos` (list) with `/slos/:id` (detail) below it. */
export const rootRouteRef = createRouteRef({ id: 'slo' });
/** `/runbooks` (list) with `/runbooks/:name` below it. */
export const runbookRouteRef = createRouteRef({ id: 'slo-runbooks' });
