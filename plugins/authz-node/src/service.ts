import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { CheckRequest, Decision } from '@internal/plugin-authz-common';
import knexFactory from 'knex';
import { AuthzEvaluator } from './AuthzEvaluator';
import { CompiledPolicy } from './policy/CompiledPolicy';
import {
  defaultPolicyRoot,
  readPolicyDirectory,
} from './policy/policyDirectory';
import {
  ProductUserDirectory,
  ProductUserSource,
} from './subjects/ProductUserDirectory';
import * as path from 'node:path';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import { ActivePortalPolicy } from './portal/ActivePortalPolicy';
import { PortalPolicy } from './portal/PortalPolicy';
import { watchProductSubjects } from './subjects/productChanges';

/** Check(subject, action, resource) in-process: the HTTP API's semantics without the hop. */
export interface AuthzService {
  check(check: CheckRequest): Promise<Decision>;
  checkBatch(checks: CheckRequest[]): Promise<Decision[]>;
}

/** No product database configured: every product user is unknown (and so denied). */
const noProductUsers: ProductUserSource = {
  load: async () => new Map(),
  invalidate: () => {},
};

/**
 * Root-scoped: one compiled policy and one decision cache per backend process, shared by the
 * authz backend (which activates revisions on it) and every in-process caller. The default
 * factory evaluates the repository's product policy (`authz.policyDirectory`, default
 * `policies/product`) with product users from `platform.productDatabase.connection`.
 */
export const authzEvaluatorServiceRef = createServiceRef<AuthzEvaluator>({
  id: 'authz.evaluator',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.rootLogger,
        lifecycle: coreServices.rootLifecycle,
      },
      async factory({ config, logger, lifecycle }) {
        const db = config.getOptionalConfig(
          'platform.productDatabase.connection',
        );
        const knex = db
          ? knexFactory({
              client: 'pg',
              connection: {
                host: db.getString('host'),
                port: Number(db.get('port')),
                user: db.getString('user'),
                password: db.getString('password'),
                database: db.getString('database'),
              },
              pool: { min: 0, max: 4 },
            })
          : undefined;
        const evaluator = new AuthzEvaluator({
          productUsers: knex ? new ProductUserDirectory(knex) : noProductUsers,
          logger,
          maxEvaluationMs: config.getOptionalNumber('authz.maxEvaluationMs'),
        });
        const productChanges =
          knex &&
          watchProductSubjects({
            productDb: knex,
            logger,
            onChange: () => evaluator.invalidateData(),
          });
        await productChanges?.start();
        lifecycle.addShutdownHook(async () => {
          await productChanges?.stop();
          await knex?.destroy();
        });
        const dir =
          config.getOptionalString('authz.policyDirectory') ??
          path.join(defaultPolicyRoot(), 'product');
        try {
          evaluator.activate(
            await CompiledPolicy.compile(readPolicyDirectory(dir)),
          );
        } catch (error) {
          // fail closed: without a policy every check denies with policy_error
          logger.error(
            `authz: policy in ${dir} did not load: ${(error as Error).message}`,
          );
        }
        return evaluator;
      },
    }),
});

/**
 * The in-process SDK for any backend plugin: `deps: { authz: authzServiceRef }`, then
 * `await authz.check({ subject, action, resource })` — the HTTP API's semantics, no hop. With
 * the authz backend in the process, each answer waits for its decisions to be in the decision
 * log (caller `plugin:<id>`), as the HTTP API's do.
 */
export const authzServiceRef = createServiceRef<AuthzService>({
  id: 'authz.check',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        evaluator: authzEvaluatorServiceRef,
        plugin: coreServices.pluginMetadata,
      },
      factory: ({ evaluator, plugin }) => {
        // logged like the HTTP API's decisions, with the calling plugin as the caller
        const caller = `plugin:${plugin.getId()}`;
        return {
          check: async check =>
            (await evaluator.checkBatchAs(caller, [check]))[0],
          checkBatch: checks => evaluator.checkBatchAs(caller, checks),
        };
      },
    }),
});

/**
 * Root-scoped: the portal policy in force in this process, read by the permission backend's
 * portal-policy module at every decision. The authz backend, when installed, claims it and
 * keeps it on the active stored portal revision (every replica, LISTEN/NOTIFY); otherwise the
 * repository's `policies/portal` is activated once the backend has started. Until a policy is
 * active, decisions wait up to `authz.portalPolicy.waitMs` (30 s) and then deny.
 */
export const portalPolicyServiceRef = createServiceRef<ActivePortalPolicy>({
  id: 'authz.portal-policy',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.rootLogger,
        lifecycle: coreServices.rootLifecycle,
      },
      async factory({ config, logger, lifecycle }) {
        const active = new ActivePortalPolicy({
          waitMs: config.getOptionalNumber('authz.portalPolicy.waitMs'),
        });
        lifecycle.addStartupHook(async () => {
          if (active.isManaged) return;
          try {
            active.activate(
              await PortalPolicy.load({ pluginIds: PORTAL_PLUGIN_IDS }),
            );
            logger.info(
              `portal policy: repository policies/portal (${active.revision?.slice(
                0,
                12,
              )}); no authz backend manages revisions`,
            );
          } catch (error) {
            // fail closed: every portal decision denies
            logger.error(
              `portal policy did not load: ${(error as Error).message}`,
            );
            active.fail(error as Error);
          }
        });
        return active;
      },
    }),
});
