import express, { Request, RequestHandler } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { pipeline } from 'node:stream/promises';
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { BasicPermission } from '@backstage/plugin-permission-common';
import {
  platformAuditReadPermission,
  platformDeadLetterReplayPermission,
  platformEventsReadPermission,
  platformOperatePermission,
  platformRumReportPermission,
  platformTelemetryReadPermission,
} from '@internal/plugin-platform-common';
import {
  actorRef,
  authorizeOrThrow,
  PlatformHub,
  RequestValidationError,
} from '@internal/plugin-platform-node';
import { EventStore } from './EventStore';
import { AuditStore } from './AuditStore';
import { QaChecks } from './QaChecks';
import { TelemetryStore } from './TelemetryStore';
import { RetentionService } from './Retention';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  userInfo: UserInfoService;
  hub: PlatformHub;
  events: EventStore;
  audit: AuditStore;
  qa: QaChecks;
  telemetry: TelemetryStore;
  retention: RetentionService;
  telemetryMiddleware?: RequestHandler;
}

const HOUR = 60 * 60 * 1000;
const isoDate = z
  .string()
  .refine(v => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time')
  .transform(v => new Date(v));
const uuid = z.string().uuid();
const limit = (max: number) => z.coerce.number().int().min(1).max(max);

/** Parses with zod; a failure is a 400 naming the field and the rule. */
function parse<T extends z.ZodTypeAny>(
  schema: T,
  input: unknown,
  where: string,
): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw RequestValidationError.fromIssues(
    where,
    result.error.issues.map(i => ({
      path: i.path.length ? i.path.join('.') : where,
      message: i.message,
    })),
  );
}

const windowQuery = (defaultHours: number) =>
  z
    .object({ from: isoDate.optional(), to: isoDate.optional() })
    .transform(q => {
      const to = q.to ?? new Date();
      return {
        from: q.from ?? new Date(to.getTime() - defaultHours * HOUR),
        to,
      };
    })
    .refine(q => q.from < q.to, {
      message: 'from must be before to',
      path: ['from'],
    });

const csv = z
  .string()
  .transform(v =>
    v
      .split(',')
      .map(s => s.trim())
      .filter(Boolean),
  )
  .optional();

/** Figures carry their source and the time they were read. */
function measured<T>(source: string, data: T) {
  return { source, generatedAt: new Date().toISOString(), ...data };
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    permissions,
    auditor,
    hub,
    events,
    audit,
    qa,
    telemetry,
    retention,
  } = options;
  const router = Router();
  if (options.telemetryMiddleware) router.use(options.telemetryMiddleware);
  router.use(express.json({ limit: '256kb' }));

  async function authorize(
    req: Request,
    permission: BasicPermission,
  ): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(permissions, credentials, [{ permission }]);
    return credentials;
  }

  router.get('/metrics', async (req, res) => {
    await authorize(req, platformTelemetryReadPermission);
    res.setHeader('Content-Type', hub.metrics.contentType);
    res.send(await hub.metrics.metrics());
  });

  // --- Events -------------------------------------------------------------------------------

  router.get('/v1/events/volume', async (req, res) => {
    await authorize(req, platformEventsReadPermission);
    const q = parse(
      z.intersection(
        windowQuery(24 * 7),
        z.object({ bucket: z.enum(['minute', 'hour', 'day']).default('hour') }),
      ),
      req.query,
      'query',
    );
    if (q.to.getTime() - q.from.getTime() > 400 * 24 * HOUR) {
      throw new InputError(
        'Invalid query: from..to must span at most 400 days',
      );
    }
    const points = await events.volume(q);
    res.json(
      measured(
        'platform_events (Postgres), distinct event_id per type and bucket',
        {
          from: q.from.toISOString(),
          to: q.to.toISOString(),
          bucket: q.bucket,
          points,
        },
      ),
    );
  });

  router.get('/v1/events/stream', async (req, res) => {
    await authorize(req, platformEventsReadPermission);
    const q = parse(
      z.object({
        after: z
          .string()
          .regex(/^\d+$/, 'must be a cursor returned by this API')
          .optional(),
        limit: limit(5000).default(1000),
        types: csv,
      }),
      req.query,
      'query',
    );
    const page = await events.read({
      after: q.after,
      limit: q.limit,
      types: q.types,
    });
    res.setHeader('Content-Type', 'application/x-ndjson');
    if (page.nextCursor) res.setHeader('X-Next-Cursor', page.nextCursor);
    res.send(page.events.map(e => `${JSON.stringify(e)}\n`).join(''));
  });

  router.get('/v1/events', async (req, res) => {
    await authorize(req, platformEventsReadPermission);
    const q = parse(
      z.object({
        userId: z.string().min(1).max(300).optional(),
        accountId: uuid.optional(),
        types: csv,
        from: isoDate.optional(),
        to: isoDate.optional(),
        limit: limit(10_000).default(500),
      }),
      req.query,
      'query',
    );
    res.json(
      measured('platform_events joined with platform_identity_merges', {
        events: await events.query(q),
      }),
    );
  });

  router.get('/v1/dead-letters', async (req, res) => {
    await authorize(req, platformEventsReadPermission);
    const q = parse(
      z.object({
        limit: limit(1000).default(100),
        includeReplayed: z.enum(['true', 'false']).default('false'),
      }),
      req.query,
      'query',
    );
    res.json(
      measured('platform_dead_letters (Postgres)', {
        counts: await events.deadLetterCount(),
        deadLetters: await events.deadLetters({
          limit: q.limit,
          includeReplayed: q.includeReplayed === 'true',
        }),
      }),
    );
  });

  router.post('/v1/dead-letters/replay', async (req, res) => {
    const body = parse(
      z.object({
        ids: z.array(uuid).min(1).max(1000).optional(),
        dryRun: z.boolean().default(true),
      }),
      req.body,
      'body',
    );
    const event = await auditor.createEvent({
      eventId: 'dead-letter-replay',
      severityLevel: body.dryRun ? 'low' : 'medium',
      request: req,
      meta: { dryRun: body.dryRun, ids: body.ids?.length ?? 'all' },
    });
    try {
      await authorize(req, platformDeadLetterReplayPermission);
      const report = await events.replay({
        ids: body.ids,
        dryRun: body.dryRun,
      });
      await event.success({ meta: { ...report } });
      res.json(report);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/v1/qa', async (req, res) => {
    await authorize(req, platformEventsReadPermission);
    const results = await qa.latest();
    res.json(measured('platform_qa_results (latest run)', { results }));
  });

  router.post('/v1/qa/run', async (req, res) => {
    const event = await auditor.createEvent({
      eventId: 'qa-run',
      request: req,
    });
    try {
      await authorize(req, platformOperatePermission);
      const results = await qa.run();
      await event.success({ meta: { checks: results.length } });
      res.json(
        measured('platform_events + platform_dead_letters, last 24 h', {
          results,
        }),
      );
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  // --- Audit --------------------------------------------------------------------------------

  const auditQuery = z.object({
    actor: z.string().max(500).optional(),
    action: z.string().max(200).optional(),
    resource: z.string().max(1000).optional(),
    outcome: z.enum(['initiated', 'succeeded', 'failed']).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    afterSeq: z.string().regex(/^\d+$/, 'must be a record seq').optional(),
  });

  router.get('/v1/audit', async (req, res) => {
    await authorize(req, platformAuditReadPermission);
    const q = parse(
      auditQuery.extend({ limit: limit(10_000).default(100) }),
      req.query,
      'query',
    );
    res.json(
      measured('platform_audit_log (Postgres)', {
        records: await audit.query(q),
      }),
    );
  });

  router.get('/v1/audit/export', async (req, res) => {
    const q = parse(
      auditQuery.extend({ limit: limit(10_000_000).optional() }),
      req.query,
      'query',
    );
    const event = await auditor.createEvent({
      eventId: 'audit-export',
      severityLevel: 'medium',
      request: req,
      meta: { query: JSON.parse(JSON.stringify(q)) },
    });
    try {
      await authorize(req, platformAuditReadPermission);
      res.setHeader('Content-Type', 'application/x-ndjson');
      res.setHeader(
        'Content-Disposition',
        'attachment; filename="audit.ndjson"',
      );
      await pipeline(audit.exportNdjson(q), res);
      await event.success();
    } catch (error) {
      await event.fail({ error: error as Error });
      if (!res.headersSent) throw error;
      res.destroy(error as Error);
    }
  });

  router.get('/v1/audit/verify', async (req, res) => {
    await authorize(req, platformAuditReadPermission);
    res.json(
      measured(
        'platform_audit_log hash chain, recomputed',
        await audit.verify(),
      ),
    );
  });

  // --- Telemetry ----------------------------------------------------------------------------

  router.get('/v1/telemetry/summary', async (req, res) => {
    await authorize(req, platformTelemetryReadPermission);
    const q = parse(windowQuery(1), req.query, 'query');
    res.json(
      measured(
        'platform_request_rollups (per-minute, flushed by each backend)',
        {
          from: q.from.toISOString(),
          to: q.to.toISOString(),
          services: await telemetry.summary(q),
          rum: await telemetry.rumSummary(q),
        },
      ),
    );
  });

  router.get('/v1/telemetry/rollups', async (req, res) => {
    await authorize(req, platformTelemetryReadPermission);
    const q = parse(
      z.intersection(
        windowQuery(1),
        z.object({ service: z.string().max(100).optional() }),
      ),
      req.query,
      'query',
    );
    res.json(
      measured('platform_request_rollups', {
        rollups: await telemetry.rollups(q),
      }),
    );
  });

  router.post('/v1/rum', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    await authorizeOrThrow(permissions, credentials, [
      { permission: platformRumReportPermission },
    ]);
    const body = parse(
      z.object({
        route: z
          .string()
          .startsWith('/', 'must be a path starting with /')
          .max(500),
        kind: z.enum(['page-load', 'route-change']),
        durationMs: z.number().finite().min(0).max(600_000),
      }),
      req.body,
      'body',
    );
    const info = await options.userInfo.getUserInfo(credentials);
    const team =
      info.ownershipEntityRefs.find(ref => ref.startsWith('group:')) ?? 'none';
    await telemetry.recordRum({
      route: body.route,
      kind: body.kind,
      durationMs: body.durationMs,
      userRef: info.userEntityRef,
      team,
      occurredAt: new Date(),
    });
    res.status(202).end();
  });

  // --- Retention ----------------------------------------------------------------------------

  router.post('/v1/retention/run', async (req, res) => {
    const credentials = await authorize(req, platformOperatePermission);
    res.json(await retention.run(actorRef(credentials)));
  });

  router.get('/v1/retention/latest', async (req, res) => {
    await authorize(req, platformAuditReadPermission);
    res.json({ latest: (await retention.latest()) ?? null });
  });

  return router;
}
