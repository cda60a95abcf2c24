import { createHash } from 'node:crypto';
import express from 'express';
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  exportsAdminPermission,
  exportsCreatePermission,
  exportsReadPermission,
  OpenApi,
} from '@internal/plugin-exports-common';
import { FilterAccess, FilterEngine } from '@internal/plugin-filters-node';
import { actorRef, authorizeOrThrow } from '@internal/plugin-platform-node';
import { createOpenApiRouter } from '../schema/openapi';
import { DbExportJobRow, ExportStore } from './ExportStore';
import { ExportStorage } from './storage/ExportStorage';
import { assertAllowedWebhookUrl } from './webhooks';
import {
  DOWNLOAD_URL_TTL_MS,
  signDownloadToken,
  verifyDownloadToken,
} from './signedUrls';

type ExportJob = OpenApi.components['schemas']['ExportJob'];

/** An account's plan and region, from the product database's `accounts`. */
export type AccountLookup = (
  accountId: string,
) => Promise<{ plan: string; region: 'us' | 'eu' } | undefined>;

/** The platform's analytics events (`platformEventsServiceRef`), as far as the router uses them. */
export interface ExportEvents {
  emit(
    name: string,
    properties: Record<string, unknown>,
    identity: { user_id?: string; account_id?: string },
  ): Promise<unknown>;
}

export interface RouterOptions {
  store: ExportStore;
  storage: ExportStorage;
  engine: FilterEngine;
  access: FilterAccess;
  accounts: AccountLookup;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  signingSecret: string;
  /** Hosts webhook deliveries may go to (`exports.webhooks.allowedHosts`). */
  webhookHosts?: string[];
  /** Row estimates for `export.requested` (the filter engine's EXPLAIN without LIMIT). */
  estimate?: (
    request: { dataset: string; filter?: unknown; fields?: unknown },
    context: Awaited<ReturnType<FilterAccess['authorize']>>,
  ) => Promise<{ estimatedRows: number }>;
  events?: ExportEvents;
  /** Called after a job is queued (wakes this replica's workers). */
  onQueued?: () => void;
  now?: () => Date;
}

const num = (v: string | number | null) => (v === null ? null : Number(v));

export function toApiJob(row: DbExportJobRow): ExportJob {
  return {
    id: row.id,
    status: row.status,
    dataset: row.dataset,
    accountId: row.account_id,
    format: row.format,
    delivery: row.delivery,
    ...(row.fields ? { fields: row.fields } : {}),
    progress: Number(row.progress),
    rowsWritten: Number(row.rows_written),
    bytesWritten: Number(row.bytes_written),
    rowsEstimated: num(row.rows_estimated),
    etaSeconds: row.eta_seconds === null ? null : Number(row.eta_seconds),
    attempts: row.attempts,
    error: row.error_type
      ? { type: row.error_type, message: row.error_message ?? '' }
      : null,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    region: row.region,
    requestedBy: row.requested_by,
    team: row.team,
  };
}

const EXTENSIONS: Record<string, { ext: string; type: string }> = {
  csv: { ext: 'csv', type: 'text/csv; charset=utf-8' },
  xlsx: {
    ext: 'xlsx',
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  },
  pdf: { ext: 'pdf', type: 'application/pdf' },
};

/** `/api/exports/v1` on the OpenAPI router (requests and responses validated against the spec). */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { store, storage, engine, access, httpAuth, permissions, auditor } =
    options;
  const now = options.now ?? (() => new Date());
  const api = await createOpenApiRouter({
    validatorOptions: { validateResponses: true },
    middleware: [express.json({ limit: '256kb' })],
  });

  const credentialsOf = (req: object) =>
    httpAuth.credentials(req as express.Request, {
      allow: ['user', 'service'],
    });
  const isAdmin = async (credentials: BackstageCredentials) => {
    const [d] = await permissions.authorize(
      [{ permission: exportsAdminPermission }],
      { credentials },
    );
    return d.result === AuthorizeResult.ALLOW;
  };
  /** The job when the caller may see it: their own (exports.export.read), or any for admins. */
  const visibleJob = async (req: object, id: string) => {
    const credentials = await credentialsOf(req);
    await authorizeOrThrow(permissions, credentials, [
      { permission: exportsReadPermission },
    ]);
    const row = await store.get(id);
    // Someone else's job answers 404 like a missing one: ids are not probed.
    if (
      !row ||
      (row.requested_by !== actorRef(credentials) &&
        !(await isAdmin(credentials)))
    ) {
      throw new NotFoundError(`No export ${id}`);
    }
    return { row, credentials };
  };

  api.post('/v1/exports', async (req, res) => {
    const credentials = await credentialsOf(req);
    const body = req.body;
    const auditEvent = await auditor.createEvent({
      eventId: 'export-requested',
      severityLevel: 'medium',
      request: req as unknown as express.Request,
      meta: {
        dataset: body.dataset,
        accountId: body.accountId,
        format: body.format,
      },
    });
    try {
      await authorizeOrThrow(permissions, credentials, [
        { permission: exportsCreatePermission },
      ]);
      if (body.delivery.type === 'webhook') {
        assertAllowedWebhookUrl(body.delivery.url, options.webhookHosts ?? []);
      }
      const dataset = engine.getDataset(body.dataset);
      const context = await access.authorize(
        credentials,
        body.accountId,
        engine.dataClassesOf(dataset.id),
      );
      // Checks filter and fields now (400 naming the field), not when the job runs.
      FilterEngine.build(dataset, body.filter, context, {
        kind: 'rows',
        fields: body.fields,
        unbounded: true,
      });
      const account = await options.accounts(context.tenant.accountId);
      if (!account) {
        throw new InputError(
          `accountId: no account ${body.accountId} in the product database`,
        );
      }
      const { row, created } = await store.create({
        dataset: dataset.id,
        accountId: context.tenant.accountId,
        region: account.region,
        plan: account.plan,
        format: body.format,
        delivery: body.delivery,
        filter: body.filter,
        fields: body.fields,
        readableDataClasses: [...context.readableDataClasses],
        requestedBy: actorRef(credentials),
        idempotencyKey: body.idempotencyKey,
      });
      if (created) {
        options.onQueued?.();
        const estimatedRows = options.estimate
          ? (
              await options
                .estimate(
                  {
                    dataset: dataset.id,
                    filter: body.filter,
                    fields: body.fields,
                  },
                  context,
                )
                .catch(() => ({ estimatedRows: 0 }))
            ).estimatedRows
          : 0;
        options.events
          ?.emit(
            'export.requested',
            {
              export_id: row.id,
              format: row.format,
              estimated_rows: Math.max(0, Math.round(estimatedRows)),
              filter_hash: createHash('sha256')
                .update(JSON.stringify(body.filter ?? {}))
                .digest('hex')
                .slice(0, 16),
            },
            { user_id: row.requested_by, account_id: row.account_id },
          )
          .catch(() => undefined);
      }
      await auditEvent.success({
        meta: { exportId: row.id, created, region: row.region },
      });
      res.status(created ? 202 : 200).json(toApiJob(row));
    } catch (error) {
      await auditEvent.fail({ error: error as Error });
      throw error;
    }
  });

  api.get('/v1/exports', async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizeOrThrow(permissions, credentials, [
      { permission: exportsReadPermission },
    ]);
    const q = req.query;
    const all = String(q.all) === 'true';
    if (all && !(await isAdmin(credentials))) {
      throw new NotAllowedError(
        "all: seeing everyone's exports needs exports.export.admin",
      );
    }
    const { rows, total } = await store.list({
      requestedBy: all ? undefined : actorRef(credentials),
      team: q.team,
      accountId: q.accountId,
      status: q.status,
      limit: Number(q.limit ?? 50),
      offset: Number(q.offset ?? 0),
    });
    res.json({ items: rows.map(toApiJob), total });
  });

  api.get('/v1/exports/:id', async (req, res) => {
    const { row } = await visibleJob(req, req.params.id);
    res.json(toApiJob(row));
  });

  api.post('/v1/exports/:id/cancel', async (req, res) => {
    const { row } = await visibleJob(req, req.params.id);
    const cancelled = await store.cancel(row.id);
    if (!cancelled) {
      throw new ConflictError(
        `Export ${row.id} is ${row.status}: only queued or running exports can be cancelled`,
      );
    }
    res.json(toApiJob(cancelled));
  });

  api.post('/v1/exports/:id/retry', async (req, res) => {
    const { row, credentials } = await visibleJob(req, req.params.id);
    await authorizeOrThrow(permissions, credentials, [
      { permission: exportsCreatePermission },
    ]);
    const queued = await store.retry(row.id);
    if (!queued) {
      throw new ConflictError(
        `Export ${row.id} is ${row.status}: only failed or cancelled exports can be retried`,
      );
    }
    options.onQueued?.();
    res.json(toApiJob(queued));
  });

  api.post('/v1/exports/:id/download-url', async (req, res) => {
    const { row } = await visibleJob(req, req.params.id);
    if (row.status !== 'succeeded') {
      throw new ConflictError(
        `Export ${row.id} is ${row.status}: a download URL exists only for succeeded exports`,
      );
    }
    const expiresAt = new Date(now().getTime() + DOWNLOAD_URL_TTL_MS);
    const token = signDownloadToken(options.signingSecret, row.id, expiresAt);
    res.json({
      url: `/v1/download/${token}`,
      expiresAt: expiresAt.toISOString(),
    });
  });

  api.get('/v1/exports/:id/deliveries', async (req, res) => {
    const { row } = await visibleJob(req, req.params.id);
    const items = await store.deliveries(row.id);
    res.json({
      items: items.map(d => ({
        attempt: d.attempt,
        url: d.url,
        statusCode: d.status_code,
        error: d.error,
        delivered: d.delivered,
        at: new Date(d.at).toISOString(),
      })),
    });
  });

  api.get('/v1/stats', async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizeOrThrow(permissions, credentials, [
      { permission: exportsAdminPermission },
    ]);
    res.json(await store.stats(Number(req.query.hours ?? 24), now()));
  });

  // Open route (the token is the credential): see the auth policy in the plugin.
  api.get('/v1/download/:token', async (req, res) => {
    const check = verifyDownloadToken(
      options.signingSecret,
      req.params.token,
      now(),
    );
    const auditEvent = await auditor.createEvent({
      eventId: 'export-downloaded',
      severityLevel: 'medium',
      request: req as unknown as express.Request,
      meta: check.valid ? { exportId: check.jobId } : { reason: check.reason },
    });
    const refuse = async (status: 403 | 410, message: string) => {
      await auditEvent.fail({ error: new Error(message) });
      res.status(status).json({
        error: {
          name: status === 403 ? 'NotAllowedError' : 'GoneError',
          message,
        },
      });
    };
    if (!check.valid) {
      await (check.reason === 'tampered'
        ? refuse(403, 'The download link is not valid')
        : refuse(410, 'The download link has expired: ask for a new one'));
      return;
    }
    const row = await store.get(check.jobId);
    const kind = row ? EXTENSIONS[row.format] : undefined;
    try {
      if (
        !row ||
        !kind ||
        row.status !== 'succeeded' ||
        !row.storage_key ||
        !(await storage.exists(row.storage_key))
      ) {
        await refuse(410, 'The export file is no longer available');
        return;
      }
      const filename = `export-${row.id}.${kind.ext}`;
      if (storage.presignedDownloadUrl) {
        const url = await storage.presignedDownloadUrl(row.storage_key, 60, {
          filename,
          contentType: kind.type,
        });
        await auditEvent.success();
        res.redirect(302, url);
        return;
      }
      const size = await storage.size(row.storage_key);
      res.setHeader('Content-Type', kind.type);
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="${filename}"`,
      );
      res.setHeader('Content-Length', String(size));
      await auditEvent.success();
    } catch (error) {
      // The storage is unreachable: the download is refused and its audit record says so.
      await auditEvent.fail({ error: error as Error });
      throw error;
    }
    const file = storage.open(row.storage_key);
    await new Promise<void>((resolve, reject) => {
      file.on('error', reject);
      res.on('finish', () => resolve());
      res.on('close', () => resolve());
      file.pipe(res as unknown as NodeJS.WritableStream);
    });
  });

  return api;
}
