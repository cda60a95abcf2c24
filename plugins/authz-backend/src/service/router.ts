import express from 'express';
import Router from 'express-promise-router';
import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  authzCheckPermission,
  authzPolicyManagePermission,
  authzPolicyReadPermission,
  CheckRequest,
} from '@internal/plugin-authz-common';
import { AuthzService, DEFAULT_ENTRYPOINT } from '@internal/plugin-authz-node';
import {
  actorRef,
  authorizeOrThrow,
  openApiValidationErrors,
} from '@internal/plugin-platform-node';
import { BasicPermission } from '@backstage/plugin-permission-common';
import { compileCandidate, PolicyRevisions } from './PolicyRevisions';
import { RevisionStore } from './RevisionStore';
import { createOpenApiRouter } from '../schema/openapi';
import { logDecisions } from './decisionLog';
import { assertSubjectClaims } from './subjectClaims';

export interface RouterOptions {
  authz: AuthzService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  store: RevisionStore;
  revisions: PolicyRevisions;
  /** sha256 of this replica's active revision (for the open health route). */
  activeRevision: () => string | undefined;
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

  const allowed = async (req: express.Request, permission: BasicPermission) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(permissions, credentials, [{ permission }]);
    return credentials;
  };

  /** Audited policy change: the record commits before the answer. */
  const policyChange = async <T>(
    req: express.Request,
    eventId: string,
    meta: Record<string, unknown>,
    change: () => Promise<T>,
  ): Promise<T> => {
    const event = await auditor.createEvent({
      eventId,
      severityLevel: 'high',
      request: req,
      meta: { resource: 'authz/policy', ...meta },
    });
    try {
      const result = await change();
      await event.success();
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  };

  api.get('/v1/health', async (_req, res) => {
    const policyRevision = options.activeRevision();
    res.json(
      policyRevision
        ? { status: 'ok', policyRevision }
        : { status: 'no_policy' },
    );
  });

  api.get('/v1/revisions', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    res.json({ revisions: await options.store.list() });
  });

  api.post('/v1/revisions', async (req, res) => {
    const credentials = await allowed(req, authzPolicyManagePermission);
    const source = {
      modules: req.body.modules,
      data: req.body.data ?? {},
      entrypoint: req.body.entrypoint ?? DEFAULT_ENTRYPOINT,
    };
    const compiled = await compileCandidate(source);
    const ref = await policyChange(
      req,
      'policy-revision-create',
      { sha256: compiled.sha256 },
      () =>
        options.store.add(
          compiled.sha256,
          source,
          compiled.wasm,
          actorRef(credentials),
        ),
    );
    res.status(201).json({ id: ref.id, sha256: compiled.sha256 });
  });

  api.post('/v1/revisions/:id/activate', async (req, res) => {
    const credentials = await allowed(req, authzPolicyManagePermission);
    const { id } = req.params;
    await policyChange(req, 'policy-revision-activate', { id }, () =>
      options.store.activate(id, actorRef(credentials), req.body?.reason),
    );
    await options.revisions.sync();
    const revision = await options.store.get(id);
    res.json({ id, sha256: revision.sha256 });
  });

  api.post('/v1/revisions/rollback', async (req, res) => {
    const credentials = await allowed(req, authzPolicyManagePermission);
    const id = await policyChange(req, 'policy-revision-rollback', {}, () =>
      options.store.rollback(actorRef(credentials), req.body?.reason),
    );
    await options.revisions.sync();
    const revision = await options.store.get(id);
    res.json({ id, sha256: revision.sha256 });
  });

  api.post('/v1/data/changed', async (req, res) => {
    await allowed(req, authzPolicyManagePermission);
    await policyChange(req, 'policy-data-changed', {}, () =>
      options.store.notifyDataChanged(),
    );
    res.status(202).json({ notified: true });
  });

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
