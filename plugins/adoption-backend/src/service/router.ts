import express from 'express';
import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  adoptionLegacyReportPermission,
  adoptionReadPermission,
  adoptionRiskUpdatePermission,
  CapabilityId,
} from '@internal/plugin-adoption-common';
import {
  actorRef,
  authorizeOrThrow,
  requestAuthorizer,
} from '@internal/plugin-platform-node';
import { createOpenApiRouter } from '../schema/openapi';
import { AdoptionService, teamRef } from './AdoptionService';
import { AdoptionStore } from './AdoptionStore';

export interface RouterOptions {
  service: AdoptionService;
  store: AdoptionStore;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  /** Service principals (subjects) whose adapter shims may report legacy calls. */
  shimReporters: string[];
  telemetry?: express.RequestHandler;
}

/** `/api/adoption/v1` on the OpenAPI router (requests and responses validated against the spec). */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { service, store, httpAuth, permissions, shimReporters } = options;
  const api = await createOpenApiRouter({
    validatorOptions: { validateResponses: true },
    middleware: [express.json({ limit: '1mb' })],
  });
  const { credentialsOf, authorize } = requestAuthorizer(httpAuth, permissions);
  const canRead = (req: object) =>
    authorize(req, [{ permission: adoptionReadPermission }]);

  api.get('/v1/capabilities', async (req, res) => {
    await canRead(req);
    res.json(await service.capabilities());
  });
  api.get('/v1/matrix', async (req, res) => {
    await canRead(req);
    res.json(await service.matrix());
  });
  api.get('/v1/matrix/:team/:capability/history', async (req, res) => {
    await canRead(req);
    res.json({
      history: await service.cellHistory(
        req.params.team,
        req.params.capability as CapabilityId,
      ),
    });
  });
  api.get('/v1/scorecards', async (req, res) => {
    await canRead(req);
    res.json({
      scorecards: await service.scorecards(),
      weights: service.weights(),
      computedAt: new Date().toISOString(),
    });
  });
  api.get('/v1/teams/:team/scorecard', async (req, res) => {
    await canRead(req);
    res.json(await service.teamScorecard(req.params.team));
  });
  api.get('/v1/campaigns', async (req, res) => {
    await canRead(req);
    res.json({ campaigns: await service.campaigns() });
  });
  api.get('/v1/roadmap', async (req, res) => {
    await canRead(req);
    res.json(await service.roadmap());
  });
  api.get('/v1/risks', async (req, res) => {
    await canRead(req);
    res.json(await service.risks());
  });
  api.patch('/v1/risks/:id', async (req, res) => {
    const credentials = await credentialsOf(req);
    if (credentials.principal.type !== 'user') {
      throw new NotAllowedError('Risks are edited by users only');
    }
    await authorizeOrThrow(permissions, credentials, [
      { permission: adoptionRiskUpdatePermission },
    ]);
    res.json(
      await service.updateRisk(
        req.params.id,
        req.body as Record<string, string>,
        actorRef(credentials),
      ),
    );
  });
  api.post('/v1/legacy-calls', async (req, res) => {
    const credentials = await credentialsOf(req);
    // Backstage does not ask the policy about service principals: the allowlist limits them.
    if (credentials.principal.type === 'service') {
      const subject = (credentials.principal as { subject: string }).subject;
      if (!shimReporters.includes(subject)) {
        throw new NotAllowedError(
          `Service ${subject} is not listed in adoption.shimReporters`,
        );
      }
    } else {
      await authorizeOrThrow(permissions, credentials, [
        { permission: adoptionLegacyReportPermission },
      ]);
    }
    const calls = req.body.calls.map(c => ({
      team: teamRef(c.team),
      capability: c.capability,
      legacyPath: c.legacyPath,
      at: new Date(c.at),
      count: c.count ?? 1,
    }));
    await store.recordLegacyCalls(calls);
    res.status(202).json({ recorded: calls.length });
  });

  const router = express.Router();
  if (options.telemetry) router.use(options.telemetry);
  router.use(api);
  return router;
}
