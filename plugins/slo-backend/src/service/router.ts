import express from 'express';
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  HistogramBounds,
  MINUTE_MS,
  parseSloDefinition,
  sloCreatePermission,
  sloDeletePermission,
  sloReadPermission,
  sloSeriesWritePermission,
} from '@internal/plugin-slo-common';
import { createOpenApiRouter } from '../schema/openapi';
import { SloService } from './SloService';
import { RunbookLibrary } from './runbooks';

export interface RouterOptions {
  service: SloService;
  runbooks: RunbookLibrary;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  bucketBoundsMs?: HistogramBounds;
  /** Mounted before the routes (platform request telemetry). */
  telemetry?: express.RequestHandler;
}

export const MAX_SERIES_POINTS = 50_000;

function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  return p.type === 'user' ? p.userEntityRef ?? 'user' : `service:${p.subject}`;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { service, runbooks, httpAuth, permissions, auditor } = options;
  const router = await createOpenApiRouter({
    // 50,000 points of backfill are ~3 MB of JSON.
    middleware: [
      ...(options.telemetry ? [options.telemetry] : []),
      express.json({ limit: '8mb' }),
    ],
  });

  async function authorize(
    req: Parameters<HttpAuthService['credentials']>[0],
    permission: BasicPermission,
  ): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`You may not do this (${permission.name})`);
    }
    return credentials;
  }

  router.get('/v1/slos', async (req, res) => {
    await authorize(req, sloReadPermission);
    const owner = req.query.owner;
    const evaluatedAt = new Date();
    const items = await Promise.all(
      service
        .list()
        .filter(s => !owner || s.definition.owner === owner)
        .map(s => service.summary(s.definition.id, evaluatedAt)),
    );
    // Least remaining budget first; SLOs without data last.
    items.sort(
      (a, b) =>
        (a.budget.remaining ?? Infinity) - (b.budget.remaining ?? Infinity) ||
        a.id.localeCompare(b.id),
    );
    res.json({ evaluatedAt: evaluatedAt.toISOString(), items });
  });

  router.post('/v1/slos', async (req, res) => {
    const credentials = await authorize(req, sloCreatePermission);
    const parsed = parseSloDefinition(req.body, options.bucketBoundsMs);
    if (!parsed.ok) {
      throw new InputError(
        `Invalid SLO: ${parsed.issues
          .map(i => `${i.path}: ${i.message}`)
          .join('; ')}`,
      );
    }
    const event = await auditor.createEvent({
      eventId: 'slo-create',
      severityLevel: 'medium',
      request: req,
      meta: { sloId: parsed.definition.id },
    });
    try {
      await service.create(parsed.definition, actorOf(credentials));
      await event.success();
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
    res.status(201).json(await service.summary(parsed.definition.id));
  });

  router.get('/v1/slos/:id', async (req, res) => {
    await authorize(req, sloReadPermission);
    let asOf = new Date();
    if (req.query.asOf !== undefined) {
      asOf = new Date(req.query.asOf);
      if (Number.isNaN(asOf.getTime())) {
        throw new InputError('asOf: must be an ISO 8601 date-time');
      }
    }
    res.json(await service.detail(req.params.id, asOf));
  });

  router.delete('/v1/slos/:id', async (req, res) => {
    await authorize(req, sloDeletePermission);
    const event = await auditor.createEvent({
      eventId: 'slo-delete',
      severityLevel: 'medium',
      request: req,
      meta: { sloId: req.params.id },
    });
    try {
      await service.remove(req.params.id);
      await event.success();
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
    res.status(204).end();
  });

  router.post('/v1/slos/:id/series', async (req, res) => {
    await authorize(req, sloSeriesWritePermission);
    const { definition } = service.get(req.params.id);
    const { points } = req.body;
    if (!Array.isArray(points)) {
      throw new InputError(
        'points: must be an array of { minute, good, total }',
      );
    }
    if (points.length > MAX_SERIES_POINTS) {
      throw new InputError(
        `points: at most ${MAX_SERIES_POINTS} points per request (got ${points.length})`,
      );
    }
    const seen = new Set<number>();
    const parsed = points.map((p, i) => {
      const ms = Date.parse(p.minute);
      if (Number.isNaN(ms)) {
        throw new InputError(
          `points.${i}.minute: must be an ISO 8601 date-time`,
        );
      }
      if (ms % MINUTE_MS !== 0) {
        throw new InputError(
          `points.${i}.minute: must be the start of a minute (seconds 0)`,
        );
      }
      for (const field of ['good', 'total'] as const) {
        if (
          typeof p[field] !== 'number' ||
          !Number.isFinite(p[field]) ||
          p[field] < 0
        ) {
          throw new InputError(`points.${i}.${field}: must be a number >= 0`);
        }
      }
      if (p.good > p.total) {
        throw new InputError(`points.${i}.good: must not exceed total`);
      }
      if (seen.has(ms)) {
        throw new InputError(
          `points.${i}.minute: appears twice in this request`,
        );
      }
      seen.add(ms);
      return {
        minuteMs: ms,
        good: p.good,
        total: p.total,
        resolutionMinutes: 1,
      };
    });
    const event = await auditor.createEvent({
      eventId: 'slo-series-backfill',
      severityLevel: 'medium',
      request: req,
      meta: { sloId: definition.id, points: parsed.length },
    });
    try {
      const stored = await service.backfill(definition.id, parsed);
      await event.success();
      res.json({ stored });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/v1/slos/:id/history', async (req, res) => {
    await authorize(req, sloReadPermission);
    res.json(await service.history(req.params.id));
  });

  router.get('/v1/alerts', async (req, res) => {
    await authorize(req, sloReadPermission);
    res.json(await service.alerts(req.query.sloId, req.query.limit ?? 100));
  });

  router.get('/v1/runbooks', async (req, res) => {
    await authorize(req, sloReadPermission);
    res.json({ items: await runbooks.list() });
  });

  router.get('/v1/runbooks/:name', async (req, res) => {
    await authorize(req, sloReadPermission);
    res.json(await runbooks.get(req.params.name));
  });

  return router;
}
