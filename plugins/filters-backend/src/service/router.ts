import express from 'express';
import Router from 'express-promise-router';
import {
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  filterJsonSchema,
  filtersAccountActPermission,
  filtersDatasetReadPermission,
  FilterQueryRequest,
} from '@internal/plugin-filters-common';
import {
  FilterAccess,
  FilterContext,
  FilterEngine,
} from '@internal/plugin-filters-node';
import { ServiceUnavailableError } from '@backstage/errors';
import { authorizeOrThrow } from '@internal/plugin-platform-node';
import { createOpenApiRouter } from '../schema/openapi';
import { AccountDirectory } from './AccountDirectory';
import { errorAdapter, statusOf } from './errors';
import { InvalidRequestAudit } from './invalidRequestAudit';
import { RateLimitOptions, rateLimitMiddleware } from './rateLimit';

export interface RouterOptions {
  engine: FilterEngine;
  access: FilterAccess;
  /** Absent when no product database is configured (account search answers 503). */
  accounts?: AccountDirectory;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
  rateLimit: RateLimitOptions;
  /** Mounted before the routes (platform request telemetry). */
  telemetry?: express.RequestHandler;
  /** How often one principal's refused requests are audited (default once a minute). */
  refusedAuditIntervalMs?: number;
}

type Operation = 'query' | 'count' | 'explain';

/**
 * `/api/filters/v1` on the OpenAPI router: requests and responses are validated against
 * `src/schema/openapi.yaml`; handlers get the generated types.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { engine, access, accounts, httpAuth, permissions, auditor } = options;
  const refused = new InvalidRequestAudit(auditor, httpAuth, {
    intervalMs: options.refusedAuditIntervalMs ?? 60_000,
    maxPrincipals: 10_000,
  });
  const credentialsOf = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  const api = await createOpenApiRouter({
    validatorOptions: { validateResponses: true },
    // Any error raised in these middlewares reaches the library's validator error
    // transformer (which turns it into a 400), so only body parsing lives here.
    middleware: [express.json({ limit: '1mb' })],
  });

  api.get('/v1/datasets', async (req, res) => {
    await authorizeOrThrow(permissions, await credentialsOf(req), [
      { permission: filtersDatasetReadPermission },
    ]);
    res.json({ datasets: engine.listDatasets() });
  });

  api.get('/v1/schema', async (req, res) => {
    await authorizeOrThrow(permissions, await credentialsOf(req), [
      { permission: filtersDatasetReadPermission },
    ]);
    res.json(filterJsonSchema);
  });

  api.get('/v1/accounts', async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizeOrThrow(permissions, credentials, [
      { permission: filtersDatasetReadPermission },
    ]);
    // The same decision (and conditions) a query for one account gets, applied in the SQL.
    const [decision] = await permissions.authorizeConditional(
      [{ permission: filtersAccountActPermission }],
      { credentials },
    );
    if (!accounts)
      throw new ServiceUnavailableError(
        'Account search needs platform.productDatabase.connection',
      );
    res.json(
      await accounts.search(
        {
          q: req.query.q,
          limit: req.query.limit ? Number(req.query.limit) : 20,
          offset: req.query.offset ? Number(req.query.offset) : 0,
        },
        decision,
      ),
    );
  });

  /**
   * Everything that can refuse a request runs before the audit record is opened: the spec
   * (validator), the dataset, the permission batch and the engine's own checks (filter
   * grammar, data classes of fields, cursor). Refusals are audited through `refused` (at most
   * once per principal per minute); denials (403) are audited every time.
   */
  async function prepare(
    req: express.Request,
    name: Operation,
    body: FilterQueryRequest,
  ): Promise<FilterContext> {
    const credentials = await credentialsOf(req);
    const dataset = engine.getDataset(body.dataset);
    let context: FilterContext;
    try {
      context = await access.authorize(
        credentials,
        body.accountId,
        engine.dataClassesOf(dataset.id),
      );
      FilterEngine.build(dataset, body.filter, context, {
        kind: name === 'count' ? 'count' : body.kind ?? 'rows',
        fields: name === 'count' ? undefined : body.fields,
        limit: body.limit,
        cursor: name === 'query' ? body.cursor : undefined,
      });
    } catch (error) {
      if (statusOf(error) === 403) {
        const denied = await auditor.createEvent({
          eventId: `filters-${name}`,
          severityLevel: 'medium',
          request: req,
          meta: { dataset: body.dataset, accountId: body.accountId },
        });
        await denied.fail({ error: error as Error });
        (error as { audited?: boolean }).audited = true;
      }
      throw error;
    }
    return context;
  }

  /** Runs an authorized, validated request inside its audit record. */
  async function audited<T extends object>(
    req: express.Request,
    name: Operation,
    context: FilterContext,
    work: () => Promise<T>,
  ): Promise<T> {
    const auditorEvent = await auditor.createEvent({
      eventId: `filters-${name}`,
      severityLevel: 'medium',
      request: req,
      meta: {
        dataset: (req.body as FilterQueryRequest).dataset,
        accountId: context.tenant.accountId,
      },
    });
    try {
      const result = await work();
      const stats =
        'stats' in result
          ? (result.stats as { shapeHash?: string; rowsReturned?: number })
          : undefined;
      await auditorEvent.success({
        meta: {
          shapeHash: stats?.shapeHash,
          rowsReturned: stats?.rowsReturned,
        },
      });
      return result;
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      (error as { audited?: boolean }).audited = true;
      throw error;
    }
  }

  const engineRequest = (body: FilterQueryRequest) => ({
    dataset: body.dataset,
    filter: body.filter,
    fields: body.fields,
    limit: body.limit,
    cursor: body.cursor,
  });

  api.post('/v1/query', async (req, res) => {
    const context = await prepare(req, 'query', req.body);
    res.json(
      await audited(req, 'query', context, () =>
        engine.query(engineRequest(req.body), context),
      ),
    );
  });
  api.post('/v1/count', async (req, res) => {
    const context = await prepare(req, 'count', req.body);
    res.json(
      await audited(req, 'count', context, () =>
        engine.count(engineRequest(req.body), context),
      ),
    );
  });
  api.post('/v1/explain', async (req, res) => {
    const context = await prepare(req, 'explain', req.body);
    res.json(
      await audited(req, 'explain', context, () =>
        engine.explain(
          { ...engineRequest(req.body), kind: req.body.kind },
          context,
        ),
      ),
    );
  });

  const router = Router();
  if (options.telemetry) router.use(options.telemetry);
  // Before validation, so that malformed floods are limited too.
  router.use(rateLimitMiddleware(httpAuth, options.rateLimit));
  router.use(api);
  router.use(errorAdapter(options.logger));
  // Refused filter requests (4xx other than denials) are audited, throttled per principal.
  router.use(
    async (
      error: Error,
      req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      const name = /^\/v1\/(query|count|explain)$/.exec(req.path)?.[1];
      const status = statusOf(error);
      if (
        name &&
        req.method === 'POST' &&
        status >= 400 &&
        status < 500 &&
        status !== 429 &&
        !(error as { audited?: boolean }).audited
      ) {
        await refused.record(req, name, status, error);
      }
      next(error);
    },
  );
  return router;
}
