import express, { Request, RequestHandler } from 'express';
import { pipeline } from 'node:stream/promises';
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
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
  openApiValidationErrors,
  PlatformHub,
  RequestValidationError,
} from '@internal/plugin-platform-node';
import { createOpenApiRouter } from '../schema/openapi';
import { EventStore } from './EventStore';
import { AuditStore } from './AuditStore';
import { AuditChain } from './audit/createAuditChain';
import { QaChecks } from './QaChecks';
import { TelemetryStore } from './TelemetryStore';
import { RetentionService } from './Retention';
import { createPrincipalRateLimit } from './rateLimit';
import { inScope, resolveAccountScope } from './accountScope';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  userInfo: UserInfoService;
  hub: PlatformHub;
  events: EventStore;
  audit: AuditStore;
  /** The scheduled verify job's last result, and "verify now". */
  auditVerify: Pick<AuditChain, 'verifyStatus' | 'requestVerify'>;
  qa: QaChecks;
  telemetry: TelemetryStore;
  retention: RetentionService;
  telemetryMiddleware?: RequestHandler;
  /** Per-principal limit on RUM reports (default 120 per minute). */
  rumRateLimit?: { points: number; durationSeconds: number };
  /** Validate JSON response bodies against the spec too (default on: drift is a 500, not silent). */
  validateResponses?: boolean;
}

const HOUR = 60 * 60 * 1000;

/** `from`/`to` query parameters (already checked as date-times by the spec) with defaults. */
function timeWindow(
  query: { from?: string; to?: string },
  defaultHours: number,
): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from
    ? new Date(query.from)
    : new Date(to.getTime() - defaultHours * HOUR);
  if (from >= to) {
    throw RequestValidationError.fromIssues('query', [
      { path: 'query.from', message: 'from must be before to' },
    ]);
  }
  return { from, to };
}

/** The typed OpenAPI request, as the auditor and auth services take it. */
function plain(req: unknown): Request {
  return req as Request;
}

/** 400 naming `from` unless the window spans at most `maxHours`. */
function capSpan(window: { from: Date; to: Date }, maxHours: number) {
  if (window.to.getTime() - window.from.getTime() > maxHours * HOUR) {
    const span =
      maxHours > 24 && maxHours % 24 === 0
        ? `${maxHours / 24} days`
        : `${maxHours} hours`;
    throw RequestValidationError.fromIssues('query', [
      { path: 'query.from', message: `from..to must span at most ${span}` },
    ]);
  }
  return window;
}

/** Longest windows the telemetry reads accept (the summary also reads hourly rows). */
export const MAX_SUMMARY_HOURS = 31 * 24;
export const MAX_ROLLUP_HOURS = 24;

function optionalDate(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}

function csv(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

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
  const router = await createOpenApiRouter({
    middleware: [
      ...(options.telemetryMiddleware ? [options.telemetryMiddleware] : []),
      express.json({ limit: '256kb' }),
    ],
    validatorOptions: {
      // The library's defaults, plus every violation at once rather than the first.
      validateRequests: {
        coerceTypes: false,
        allowUnknownQueryParameters: false,
        allErrors: true,
      },
      validateResponses: options.validateResponses ?? true,
    },
  });

  const rumRateLimit = createPrincipalRateLimit({
    what: 'RUM reports',
    ...(options.rumRateLimit ?? { points: 120, durationSeconds: 60 }),
  });

  async function authorize(
    req: unknown,
    permission: BasicPermission,
  ): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(plain(req), {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(permissions, credentials, [{ permission }]);
    return credentials;
  }

  router.get('/metrics', async (req, res) => {
    await authorize(req, platformTelemetryReadPermission);
    res.setHeader('Content-Type', hub.metrics.contentType);
    res.end(await hub.metrics.metrics());
  });

  // --- Events -------------------------------------------------------------------------------

  router.get('/v1/events/volume', async (req, res) => {
    await authorize(req, platformEventsReadPermission);
    const { from, to } = timeWindow(req.query, 24 * 7);
    const bucket = req.query.bucket ?? 'hour';
    if (to.getTime() - from.getTime() > 400 * 24 * HOUR) {
      throw RequestValidationError.fromIssues('query', [
        { path: 'query.from', message: 'from..to must span at most 400 days' },
      ]);
    }
    const points = await events.volume({ from, to, bucket });
    res.json(
      measured(
        'platform_events (Postgres), distinct event_id per type and bucket',
        { from: from.toISOString(), to: to.toISOString(), bucket, points },
      ),
    );
  });

  router.get('/v1/events/stream', async (req, res) => {
    const credentials = await authorize(req, platformEventsReadPermission);
    const page = await events.read({
      after: req.query.after,
      limit: Number(req.query.limit ?? 1000),
      types: csv(req.query.types),
      accounts: await resolveAccountScope(permissions, credentials),
    });
    res.setHeader('Content-Type', 'application/x-ndjson');
    if (page.nextCursor) res.setHeader('X-Next-Cursor', page.nextCursor);
    res.end(page.events.map(e => `${JSON.stringify(e)}\n`).join(''));
  });

  router.get('/v1/events', async (req, res) => {
    const credentials = await authorize(req, platformEventsReadPermission);
    const q = req.query;
    const accounts = await resolveAccountScope(permissions, credentials);
    if (q.accountId && !inScope(accounts, q.accountId)) {
      throw new NotAllowedError(
        `accountId: you may not read the events of account ${q.accountId}`,
      );
    }
    const limit = Number(q.limit ?? 500);
    const found = await events.query({
      userId: q.userId,
      accountId: q.accountId,
      types: csv(q.types),
      from: optionalDate(q.from),
      to: optionalDate(q.to),
      after: q.after,
      limit,
      accounts,
    });
    res.json(
      measured('platform_events joined with platform_identity_merges', {
        events: found,
        ...(found.length === limit
          ? { nextCursor: found[found.length - 1].cursor }
          : {}),
      }),
    );
  });

  router.get('/v1/dead-letters', async (req, res) => {
    const credentials = await authorize(req, platformEventsReadPermission);
    res.json(
      measured('platform_dead_letters (Postgres)', {
        counts: await events.deadLetterCount(),
        deadLetters: await events.deadLetters({
          limit: Number(req.query.limit ?? 100),
          includeReplayed: req.query.includeReplayed === 'true',
          accounts: await resolveAccountScope(permissions, credentials),
        }),
      }),
    );
  });

  router.post('/v1/dead-letters/replay', async (req, res) => {
    const ids = req.body?.ids;
    const dryRun = req.body?.dryRun ?? true;
    const event = await auditor.createEvent({
      eventId: 'dead-letter-replay',
      severityLevel: dryRun ? 'low' : 'medium',
      request: plain(req),
      meta: { dryRun, ids: ids?.length ?? 'all' },
    });
    try {
      await authorize(req, platformDeadLetterReplayPermission);
      const report = await events.replay({ ids, dryRun });
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
      request: plain(req),
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

  // --- Telemetry ----------------------------------------------------------------------------

  router.get('/v1/telemetry/summary', async (req, res) => {
    await authorize(req, platformTelemetryReadPermission);
    const q = capSpan(timeWindow(req.query, 1), MAX_SUMMARY_HOURS);
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
    const credentials = await authorize(req, platformTelemetryReadPermission);
    const q = capSpan(timeWindow(req.query, 1), MAX_ROLLUP_HOURS);
    const limit = Number(req.query.limit ?? 1000);
    const offset = req.query.cursor ? Number(req.query.cursor) : 0;
    // Per-user rows only for callers who may read every account (platform admins).
    const perUser =
      (await resolveAccountScope(permissions, credentials)) === 'all';
    const rollups = await telemetry.rollups({
      ...q,
      service: req.query.service,
      limit,
      offset,
      perUser,
    });
    res.json(
      measured('platform_request_rollups', {
        rollups,
        ...(rollups.length === limit
          ? { nextCursor: String(offset + limit) }
          : {}),
      }),
    );
  });

  router.post('/v1/rum', async (req, res) => {
    const credentials = await httpAuth.credentials(plain(req), {
      allow: ['user'],
    });
    await authorizeOrThrow(permissions, credentials, [
      { permission: platformRumReportPermission },
    ]);
    await rumRateLimit(actorRef(credentials), res);
    const body = req.body;
    await telemetry.recordRum({
      route: body.route,
      kind: body.kind,
      durationMs: body.durationMs,
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

  // --- Audit (the audit-chain work owns this block) -----------------------------------------

  const auditFilter = (q: {
    actor?: string;
    action?: string;
    resource?: string;
    outcome?: 'initiated' | 'succeeded' | 'failed';
    from?: string;
    to?: string;
    afterSeq?: string;
  }) => ({
    actor: q.actor,
    action: q.action,
    resource: q.resource,
    outcome: q.outcome,
    from: optionalDate(q.from),
    to: optionalDate(q.to),
    afterSeq: q.afterSeq,
  });

  router.get('/v1/audit', async (req, res) => {
    await authorize(req, platformAuditReadPermission);
    const records = await audit.query({
      ...auditFilter(req.query),
      limit: Number(req.query.limit ?? 100),
    });
    res.json(measured('platform_audit_log (Postgres)', { records }));
  });

  router.get('/v1/audit/export', async (req, res) => {
    const q = {
      ...auditFilter(req.query),
      limit:
        req.query.limit === undefined ? undefined : Number(req.query.limit),
    };
    const event = await auditor.createEvent({
      eventId: 'audit-export',
      severityLevel: 'medium',
      request: plain(req),
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
        'platform_audit_verify_runs: last run of the scheduled verify job (HMAC chain re-hashed, compared with the checkpoints)',
        await options.auditVerify.verifyStatus(),
      ),
    );
  });

  router.post('/v1/audit/verify', async (req, res) => {
    const event = await auditor.createEvent({
      eventId: 'audit-verify-request',
      severityLevel: 'medium',
      request: plain(req),
    });
    try {
      const credentials = await authorize(req, platformOperatePermission);
      const { id } = await options.auditVerify.requestVerify(
        actorRef(credentials),
      );
      await event.success({ meta: { runId: id } });
      res.status(202).json({ id, status: 'requested' });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  // --- end of audit block -------------------------------------------------------------------

  router.use(openApiValidationErrors());
  return router;
}
