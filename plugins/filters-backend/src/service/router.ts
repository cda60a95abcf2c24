import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  filterJsonSchema,
  filtersDatasetReadPermission,
} from '@internal/plugin-filters-common';
import { FilterAccess, FilterEngine } from '@internal/plugin-filters-node';

export interface RouterOptions {
  engine: FilterEngine;
  access: FilterAccess;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  /** Mounted before the routes (platform request telemetry). */
  telemetry?: express.RequestHandler;
}

const requestBody = z
  .object({
    dataset: z.string().min(1).max(100),
    accountId: z.string().max(100),
    filter: z.unknown().optional(),
    fields: z.unknown().optional(),
    limit: z.unknown().optional(),
    cursor: z.unknown().optional(),
    kind: z.enum(['rows', 'count']).optional(),
  })
  .strict();

type Body = z.infer<typeof requestBody>;

function parseBody(body: unknown): Body {
  const parsed = requestBody.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(i => {
      const path =
        i.path.join('.') ||
        (i.code === 'unrecognized_keys'
          ? (i as { keys: string[] }).keys.join(', ')
          : 'body');
      return { path, message: i.message };
    });
    const error = new InputError(
      `Invalid request: ${issues
        .map(i => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
    (error as InputError & { details: unknown }).details = { issues };
    throw error;
  }
  return parsed.data;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { engine, access, httpAuth, permissions, auditor } = options;
  const router = Router();
  if (options.telemetry) router.use(options.telemetry);
  router.use(express.json({ limit: '1mb' }));

  async function caller(req: express.Request): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize(
      [{ permission: filtersDatasetReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        'You may not use the filter engine (filters.dataset.read)',
      );
    }
    return credentials;
  }

  router.get('/v1/datasets', async (req, res) => {
    await caller(req);
    res.json({ datasets: engine.listDatasets() });
  });

  router.get('/v1/schema', async (req, res) => {
    await caller(req);
    res.json(filterJsonSchema);
  });

  const endpoint = (name: 'query' | 'count' | 'explain') =>
    router.post(`/v1/${name}`, async (req, res) => {
      // filters.dataset.read is checked by FilterAccess in the same batch as the account.
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const body = parseBody(req.body);
      const auditorEvent = await auditor.createEvent({
        eventId: `filters-${name}`,
        severityLevel: 'medium',
        request: req,
        meta: { dataset: body.dataset, accountId: body.accountId },
      });
      try {
        engine.getDataset(body.dataset);
        const context = await access.authorize(
          credentials,
          body.accountId,
          engine.dataClassesOf(body.dataset),
        );
        const request = {
          dataset: body.dataset,
          filter: body.filter,
          fields: body.fields,
          limit: body.limit,
          cursor: body.cursor,
        };
        let result;
        if (name === 'query') result = await engine.query(request, context);
        else if (name === 'count')
          result = await engine.count(request, context);
        else
          result = await engine.explain(
            { ...request, kind: body.kind },
            context,
          );
        const stats = 'stats' in result ? result.stats : undefined;
        await auditorEvent.success({
          meta: {
            shapeHash: stats?.shapeHash,
            rowsReturned: stats?.rowsReturned,
          },
        });
        res.json(result);
      } catch (error) {
        await auditorEvent.fail({ error: error as Error });
        throw error;
      }
    });
  endpoint('query');
  endpoint('count');
  endpoint('explain');

  return router;
}
