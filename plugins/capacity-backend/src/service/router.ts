import express from 'express';
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  CapacityValidationError,
  capacityLimitCreatePermission,
  capacityLimitDeletePermission,
  capacityReadPermission,
  capacitySampleCreatePermission,
  parseLimitDefinition,
} from '@internal/plugin-capacity-common';
import {
  actorRef,
  authorizeOrThrow,
  requestAuthorizer,
  RequestValidationError,
} from '@internal/plugin-platform-node';
import { createOpenApiRouter } from '../schema/openapi';
import { CapacityService } from './CapacityService';

export interface RouterOptions {
  service: CapacityService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  /** Service principals (subjects) allowed to push samples and spend. */
  samplePushers: string[];
  telemetry?: express.RequestHandler;
  now?: () => Date;
}

/** `/api/capacity/v1` on the OpenAPI router (requests and responses validated against the spec). */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { service, httpAuth, permissions, samplePushers, auditor } = options;

  /** Writes are audited: success or failure on every path. */
  async function audited<T>(
    req: object,
    eventId: string,
    meta: Parameters<AuditorService['createEvent']>[0]['meta'],
    fn: () => Promise<T>,
  ): Promise<T> {
    const event = await auditor.createEvent({
      eventId,
      severityLevel: 'medium',
      request: req as express.Request,
      meta,
    });
    try {
      const result = await fn();
      await event.success();
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }
  const now = options.now ?? (() => new Date());
  const api = await createOpenApiRouter({
    validatorOptions: { validateResponses: true },
    middleware: [express.json({ limit: '1mb' })],
  });

  const { credentialsOf, authorize } = requestAuthorizer(httpAuth, permissions);
  const canRead = (req: object) =>
    authorize(req, [{ permission: capacityReadPermission }]);
  // Users need capacity.sample.create (the portal policy: admins). A service principal must
  // also be listed in capacity.samplePushers: Backstage does not ask the policy about services
  // (only their token's accessRestrictions apply), so the allowlist is what limits them.
  const canPush = async (req: object): Promise<BackstageCredentials> => {
    const credentials = await credentialsOf(req);
    const principal = credentials.principal as {
      type: string;
      subject?: string;
    };
    if (
      principal.type === 'service' &&
      !samplePushers.includes(principal.subject ?? '')
    ) {
      throw new NotAllowedError(
        `Service ${principal.subject} may not push capacity data (not in capacity.samplePushers)`,
      );
    }
    await authorizeOrThrow(permissions, credentials, [
      { permission: capacitySampleCreatePermission },
    ]);
    return credentials;
  };

  api.get('/v1/limits', async (req, res) => {
    await canRead(req);
    const at = now();
    res.json({
      generatedAt: at.toISOString(),
      settings: service.settings,
      limits: await service.views(at),
    });
  });

  api.post('/v1/limits', async (req, res) => {
    const limit = await audited(
      req,
      'capacity-limit-create',
      { limit: String((req.body as { id?: unknown })?.id ?? '') },
      async () => {
        const credentials = await credentialsOf(req);
        await authorizeOrThrow(permissions, credentials, [
          { permission: capacityLimitCreatePermission },
        ]);
        let parsed;
        try {
          parsed = parseLimitDefinition(req.body);
        } catch (error) {
          if (error instanceof CapacityValidationError) {
            throw RequestValidationError.fromIssues(
              'limit',
              error.issues.map(i => ({ path: i.path, message: i.rule })),
            );
          }
          throw error;
        }
        await service.createLimit(parsed, actorRef(credentials), now());
        return parsed;
      },
    );
    res.status(201).json(limit);
  });

  api.delete('/v1/limits/:id', async (req, res) => {
    await audited(
      req,
      'capacity-limit-delete',
      { limit: req.params.id },
      async () => {
        const credentials = await credentialsOf(req);
        await authorizeOrThrow(permissions, credentials, [
          { permission: capacityLimitDeletePermission },
        ]);
        await service.deleteLimit(req.params.id);
      },
    );
    res.status(204).end();
  });

  api.get('/v1/limits/:id/samples', async (req, res) => {
    await canRead(req);
    const days = req.query.days ? Number(req.query.days) : 30;
    res.json({
      limit: req.params.id,
      samples: await service.samples(req.params.id, days, now()),
    });
  });

  api.post('/v1/samples', async (req, res) => {
    const accepted = await audited(
      req,
      'capacity-samples-push',
      {
        count: req.body.samples.length,
        limits: [...new Set(req.body.samples.map(s => s.limit))].slice(0, 20),
      },
      async () => {
        const credentials = await canPush(req);
        return service.pushSamples(
          req.body.samples,
          actorRef(credentials),
          now(),
        );
      },
    );
    res.status(201).json({ accepted });
  });

  api.get('/v1/collectors', async (req, res) => {
    await canRead(req);
    const runs = await service.collectorRuns();
    res.json({ collectors: runs });
  });

  api.get('/v1/projects', async (req, res) => {
    await canRead(req);
    res.json({ projects: await service.projects(now()) });
  });

  api.get('/v1/review', async (req, res) => {
    await canRead(req);
    res.json(await service.review(now()));
  });

  api.get('/v1/status-changes', async (req, res) => {
    await canRead(req);
    const days = req.query.days ? Number(req.query.days) : 30;
    res.json({ changes: await service.statusChanges(days, now()) });
  });

  api.get('/v1/costs', async (req, res) => {
    await canRead(req);
    res.json(await service.costs(req.query.month, now()));
  });

  api.post('/v1/costs/spend', async (req, res) => {
    const accepted = await audited(
      req,
      'capacity-spend-push',
      { count: req.body.spend.length },
      async () => {
        const credentials = await canPush(req);
        return service.pushSpend(req.body.spend, actorRef(credentials), now());
      },
    );
    res.status(201).json({ accepted });
  });

  const router = express.Router();
  if (options.telemetry) router.use(options.telemetry);
  router.use(api);
  return router;
}
