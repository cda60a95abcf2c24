import express from 'express';
import Router from 'express-promise-router';
import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  authzCheckPermission,
  CheckRequest,
} from '@internal/plugin-authz-common';
import { AuthzService } from '@internal/plugin-authz-node';
import {
  authorizeOrThrow,
  openApiValidationErrors,
} from '@internal/plugin-platform-node';
import { createOpenApiRouter } from '../schema/openapi';
import { logDecisions } from './decisionLog';
import { assertSubjectClaims } from './subjectClaims';

export interface RouterOptions {
  authz: AuthzService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  /** Service principal subjects allowed to check on behalf of product users. */
  productUserCallers: ReadonlySet<string>;
  /** Mounted before the routes (platform request telemetry). */
  telemetry?: express.RequestHandler;
}

/** `/api/authz/v1` on the OpenAPI router: requests and responses validated against the spec. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { authz, httpAuth, permissions, auditor, productUserCallers } = options;
  const api = await createOpenApiRouter({
    validatorOptions: { validateResponses: true },
    middleware: [express.json({ limit: '2mb' })],
  });

  const checked = async (
    req: express.Request,
    checks: CheckRequest[],
    fieldPrefix: (i: number) => string,
  ) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(permissions, credentials, [
      { permission: authzCheckPermission },
    ]);
    assertSubjectClaims(credentials, checks, productUserCallers, fieldPrefix);
    const decisions = await authz.checkBatch(checks);
    await logDecisions(auditor, req, checks, decisions);
    return decisions;
  };

  api.post('/v1/check', async (req, res) => {
    const [decision] = await checked(req, [req.body], () => 'body.');
    res.json(decision);
  });

  api.post('/v1/check/batch', async (req, res) => {
    const decisions = await checked(
      req,
      req.body.checks,
      i => `body.checks[${i}].`,
    );
    res.json({ decisions });
  });

  const router = Router();
  if (options.telemetry) router.use(options.telemetry);
  router.use(api);
  router.use(openApiValidationErrors());
  return router;
}
