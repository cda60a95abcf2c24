import express from 'express';
import Router from 'express-promise-router';
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  authzPolicyManagePermission,
  authzPolicyReadPermission,
} from '@internal/plugin-authz-common';
import {
  AuthzEvaluator,
  AuthzService,
  CompiledPolicy,
  DEFAULT_ENTRYPOINT,
  PORTAL_ENTRYPOINT,
  PortalPolicy,
} from '@internal/plugin-authz-node';
import {
  actorRef,
  authorizeOrThrow,
  openApiValidationErrors,
} from '@internal/plugin-platform-node';
import { BasicPermission } from '@backstage/plugin-permission-common';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RequestValidationError } from '@internal/plugin-platform-node';
import {
  compileCandidate,
  loadBundleCandidate,
  PolicyRevisions,
} from './PolicyRevisions';
import {
  AUTHZ_CHANNEL,
  PolicyKind,
  RevisionStore,
  StoredRevision,
} from './RevisionStore';
import { CatalogPortalUsers } from './portalUsers';
import { PortalDecisionStore, replayPortalDecisions } from './portalReplay';
import { EnforcementModes } from './EnforcementModes';
import { ShadowStore } from './ShadowStore';
import { evaluateCandidate, testCandidate } from './playground';
import { createOpenApiRouter } from '../schema/openapi';
import { DecisionLog } from './DecisionLog';
import { replayDecisions } from './replay';
import { createCheckPath } from './checks';

/** One batch answer in this many is validated against the spec (the first one included). */
export const BATCH_RESPONSE_SAMPLE = 100;

export interface RouterOptions {
  authz: AuthzService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  /** The evaluator itself (replay decides recorded checks with a candidate on it). */
  evaluator: AuthzEvaluator;
  decisionLog: DecisionLog;
  store: RevisionStore;
  revisions: PolicyRevisions;
  /** The portal PermissionPolicy's revisions (absent: product revisions only). */
  portalRevisions?: PolicyRevisions;
  /** Catalog users for the playground (absent: `GET /v1/portal-users` answers 404). */
  portalUsers?: CatalogPortalUsers;
  /** The portal policy's recorded decisions and how a candidate is loaded (portal replay). */
  portalReplay?: {
    decisions: PortalDecisionStore;
    load: (candidate: CompiledPolicy) => Promise<PortalPolicy>;
  };
  shadow: ShadowStore;
  modes: EnforcementModes;
  /** Flipping to enforce is refused above this shadow discrepancy rate (unless forced). */
  maxDiscrepancyRate: number;
  /** The window the discrepancy rate is measured over, in hours. */
  discrepancyWindowHours: number;
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
  const { httpAuth, permissions, auditor, productUserCallers } = options;
  const api = await createOpenApiRouter({
    validatorOptions: { validateResponses: true },
    middleware: [express.json({ limit: '2mb' })],
  });

  const checked = createCheckPath({
    evaluator: options.evaluator,
    httpAuth,
    permissions,
    decisionLog: options.decisionLog,
    modes: options.modes,
    activeRevision: options.activeRevision,
    productUserCallers,
  });

  const allowed = async (
    req: Parameters<HttpAuthService['credentials']>[0],
    permission: BasicPermission,
  ) => {
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

  /** Vets a revision for `credentials` before its activation commits (by its own policy's rules). */
  const vetting =
    (credentials: BackstageCredentials) => async (revision: StoredRevision) => {
      const revisions =
        revision.policy === 'portal'
          ? options.portalRevisions
          : options.revisions;
      await revisions?.vetFor(credentials)?.(revision);
    };

  /** The revisions of `policy` this replica follows; 400 naming `field` when it has none. */
  const revisionsOf = (policy: PolicyKind | undefined, field: string) => {
    if (!policy || policy === 'product') return options.revisions;
    if (options.portalRevisions) return options.portalRevisions;
    throw RequestValidationError.fromIssues('request', [
      { path: field, message: 'this backend keeps no portal policy revisions' },
    ]);
  };

  api.get('/v1/health', async (_req, res) => {
    const policyRevision = options.activeRevision();
    res.json(
      policyRevision
        ? { status: 'ok', policyRevision }
        : { status: 'no_policy' },
    );
  });

  api.get('/v1/enforcement', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    res.json({ settings: await options.shadow.list() });
  });

  api.put('/v1/enforcement', async (req, res) => {
    const credentials = await allowed(req, authzPolicyManagePermission);
    const { team, endpoint, mode, force, reason } = req.body;
    if (force && !reason) {
      throw RequestValidationError.fromIssues('request', [
        { path: 'body.reason', message: 'required when force is true' },
      ]);
    }
    const measured =
      mode === 'enforce'
        ? await options.shadow.discrepancyRate(
            team,
            endpoint,
            options.discrepancyWindowHours,
          )
        : undefined;
    const setting = await policyChange(
      req,
      'enforcement-mode-change',
      { team, endpoint, mode, forced: !!force, discrepancy: measured },
      async () => {
        if (measured && measured.rate > options.maxDiscrepancyRate && !force) {
          throw new ConflictError(
            `${team} / ${endpoint}: shadow discrepancy rate ${measured.rate} (${measured.discrepancies} of ${measured.checks} in ${options.discrepancyWindowHours} h) is above ${options.maxDiscrepancyRate}; pass force with a reason to enforce anyway`,
          );
        }
        return options.shadow.set(
          team,
          endpoint,
          mode,
          actorRef(credentials),
          reason,
          async tx => {
            await tx.raw('SELECT pg_notify(?, ?)', [AUTHZ_CHANNEL, 'modes']);
          },
        );
      },
    );
    await options.modes.reload();
    res.json(setting);
  });

  api.get('/v1/shadow/stats', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    const hours = Number(req.query.hours ?? 24);
    res.json({
      stats: await options.shadow.stats(
        hours,
        typeof req.query.team === 'string' ? req.query.team : undefined,
      ),
    });
  });

  api.post('/v1/evaluate', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    res.json(await evaluateCandidate(req.body));
  });

  api.post('/v1/test', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    res.json(await testCandidate(req.body));
  });

  api.get('/v1/revisions', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    const { policy } = revisionsOf(req.query.policy, 'query.policy');
    res.json({ revisions: await options.store.list(policy) });
  });

  api.post('/v1/revisions', async (req, res) => {
    const credentials = await allowed(req, authzPolicyManagePermission);
    const { policy } = revisionsOf(req.body.policy, 'body.policy');
    const source = {
      modules: req.body.modules,
      data: req.body.data ?? {},
      entrypoint:
        req.body.entrypoint ??
        (policy === 'portal' ? PORTAL_ENTRYPOINT : DEFAULT_ENTRYPOINT),
    };
    const compiled = await compileCandidate(source);
    const ref = await policyChange(
      req,
      'policy-revision-create',
      { sha256: compiled.sha256, policy },
      () =>
        options.store.add(
          compiled.sha256,
          source,
          compiled.wasm,
          actorRef(credentials),
          policy,
        ),
    );
    res.status(201).json({ id: ref.id, sha256: compiled.sha256 });
  });

  api.get('/v1/revisions/:id', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    const revision = await options.store.get(req.params.id);
    const data = revision.source.data;
    res.json({
      id: revision.id,
      policy: revision.policy,
      sha256: revision.sha256,
      modules: revision.source.modules,
      // OPA's data root is an object (a bundle's data.json is merged under it)
      data:
        data && typeof data === 'object' && !Array.isArray(data)
          ? (data as Record<string, unknown>)
          : {},
      entrypoint: revision.source.entrypoint,
    });
  });

  api.post('/v1/revisions/bundle', async (req, res) => {
    const credentials = await allowed(req, authzPolicyManagePermission);
    const bytes = new Uint8Array(Buffer.from(req.body.bundle, 'base64'));
    const candidate = await loadBundleCandidate(
      bytes,
      req.body.entrypoint ?? DEFAULT_ENTRYPOINT,
    );
    const ref = await policyChange(
      req,
      'policy-revision-create',
      { sha256: candidate.sha256, from: 'opa-bundle' },
      () =>
        options.store.add(
          candidate.sha256,
          candidate.source,
          candidate.policy.wasm,
          actorRef(credentials),
        ),
    );
    res.status(201).json({ id: ref.id, sha256: candidate.sha256 });
  });

  api.post('/v1/revisions/:id/activate', async (req, res) => {
    const credentials = await allowed(req, authzPolicyManagePermission);
    const { id } = req.params;
    const asked = req.body?.policy;
    revisionsOf(asked, 'body.policy');
    const policy = await policyChange(
      req,
      'policy-revision-activate',
      { id, ...(asked ? { policy: asked } : {}) },
      () =>
        options.store.activate(
          id,
          actorRef(credentials),
          req.body?.reason,
          asked,
          vetting(credentials),
        ),
    );
    // this replica answers only once the revision is in force here (the others follow the NOTIFY)
    await revisionsOf(policy, 'body.policy').sync();
    const revision = await options.store.get(id);
    res.json({ id, sha256: revision.sha256 });
  });

  api.post('/v1/revisions/rollback', async (req, res) => {
    const credentials = await allowed(req, authzPolicyManagePermission);
    const revisions = revisionsOf(req.body?.policy, 'body.policy');
    const id = await policyChange(
      req,
      'policy-revision-rollback',
      { policy: revisions.policy },
      () =>
        options.store.rollback(
          actorRef(credentials),
          req.body?.reason,
          revisions.policy,
          vetting(credentials),
        ),
    );
    await revisions.sync();
    const revision = await options.store.get(id);
    res.json({ id, sha256: revision.sha256 });
  });

  api.get('/v1/portal-users', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    if (!options.portalUsers) {
      throw new NotFoundError('this backend reads no catalog users');
    }
    res.json({
      users: await options.portalUsers.list(
        req.query.q,
        Number(req.query.limit ?? 100),
      ),
    });
  });

  api.post('/v1/data/changed', async (req, res) => {
    await allowed(req, authzPolicyManagePermission);
    await policyChange(req, 'policy-data-changed', {}, () =>
      options.store.notifyDataChanged(),
    );
    res.status(202).json({ notified: true });
  });

  const decisionFilter = (q: Record<string, unknown>) => ({
    subject: typeof q.subject === 'string' ? q.subject : undefined,
    action: typeof q.action === 'string' ? q.action : undefined,
    team: typeof q.team === 'string' ? q.team : undefined,
    outcome:
      q.outcome === 'allowed' || q.outcome === 'denied'
        ? (q.outcome as 'allowed' | 'denied')
        : undefined,
    from: typeof q.from === 'string' ? q.from : undefined,
    to: typeof q.to === 'string' ? q.to : undefined,
  });

  api.get('/v1/decisions', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    res.json(
      await options.decisionLog.query({
        ...decisionFilter(req.query),
        before:
          typeof req.query.before === 'string' ? req.query.before : undefined,
        limit: Number(req.query.limit ?? 100),
      }),
    );
  });

  api.get('/v1/decisions/export', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    res.setHeader('Content-Type', 'application/x-ndjson');
    res.setHeader(
      'Content-Disposition',
      'attachment; filename="decisions.ndjson"',
    );
    try {
      await pipeline(
        Readable.from(
          (async function* lines() {
            for await (const entry of options.decisionLog.export(
              decisionFilter(req.query),
            )) {
              yield `${JSON.stringify(entry)}\n`;
            }
          })(),
        ),
        res,
      );
    } catch (error) {
      if (!res.headersSent) throw error;
      res.destroy(error as Error);
    }
  });

  api.post('/v1/replay', async (req, res) => {
    await allowed(req, authzPolicyReadPermission);
    if (req.body.policy === 'portal') {
      const { portalReplay, portalUsers } = options;
      if (!portalReplay || !portalUsers) {
        throw RequestValidationError.fromIssues('request', [
          {
            path: 'body.policy',
            message: 'this backend keeps no portal policy decisions',
          },
        ]);
      }
      const candidate = await portalReplay.load(
        await compileCandidate({
          modules: req.body.modules,
          data: req.body.data ?? {},
          entrypoint: req.body.entrypoint ?? PORTAL_ENTRYPOINT,
        }),
      );
      res.json(
        await replayPortalDecisions(
          candidate,
          await portalReplay.decisions.last(req.body.limit ?? 1000),
          portalUsers.directory,
          req.body.maxFlips ?? 200,
        ),
      );
      return;
    }
    const candidate = await compileCandidate({
      modules: req.body.modules,
      data: req.body.data ?? {},
      entrypoint: req.body.entrypoint ?? DEFAULT_ENTRYPOINT,
    });
    const recorded = await options.decisionLog.lastPolicyDecisions(
      req.body.limit ?? 1000,
    );
    res.json(
      await replayDecisions(
        options.evaluator,
        candidate,
        recorded,
        req.body.maxFlips ?? 200,
      ),
    );
  });

  api.post('/v1/check', async (req, res) => {
    const [decision] = await checked(req, [req.body], () => 'body.');
    res.json(decision);
  });

  // Every BATCH_RESPONSE_SAMPLE-th batch answer goes through res.json, which the OpenAPI
  // validator checks against the spec; the rest are sent serialised (the validator only hooks
  // res.json, and the typed router only lets res.end take a string), so validating up to 1,000
  // decisions is not paid on every answer. Requests are always validated.
  let batchAnswers = 0;
  api.post('/v1/check/batch', async (req, res) => {
    const decisions = await checked(
      req,
      req.body.checks,
      i => `body.checks[${i}].`,
    );
    if (batchAnswers++ % BATCH_RESPONSE_SAMPLE === 0) {
      res.json({ decisions });
    } else {
      res.type('application/json').end(JSON.stringify({ decisions }));
    }
  });

  const router = Router();
  if (options.telemetry) router.use(options.telemetry);
  router.use(api);
  router.use(openApiValidationErrors());
  return router;
}
