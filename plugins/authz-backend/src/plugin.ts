import * as path from 'node:path';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { authzPermissions } from '@internal/plugin-authz-common';
import {
  authzEvaluatorServiceRef,
  defaultPolicyRoot,
  PORTAL_ENTRYPOINT,
  PortalPolicy,
  portalPolicyServiceRef,
  readPolicyDirectory,
} from '@internal/plugin-authz-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { OrgLocations } from '@internal/plugin-catalog-backend-module-org-trust';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import {
  platformEventsServiceRef,
  platformHubServiceRef,
  requestTelemetryServiceRef,
  migratedDatabase,
} from '@internal/plugin-platform-node';
import { DecisionTrail } from './service/DecisionTrail';
import { ChangeListener } from './service/ChangeListener';
import {
  evaluatorTarget,
  PolicyRevisions,
  portalTarget,
} from './service/PolicyRevisions';
import { catalogPortalUsers } from './service/portalUsers';
import { PortalDecisionStore } from './service/portalReplay';
import { RevisionStore } from './service/RevisionStore';
import { EnforcementModes } from './service/EnforcementModes';
import { ShadowStore } from './service/ShadowStore';
import { DecisionLog } from './service/DecisionLog';
import { sdkLoggedDecision } from './service/checks';
import { createRouter } from './service/router';

/**
 * The permission service: `/api/authz/v1/check`, `/v1/check/batch`, policy revisions
 * (`/v1/revisions`, activate, rollback) and `/v1/data/changed`. Every replica follows the
 * active revisions through Postgres LISTEN/NOTIFY: the product policy's (the Check API and
 * SDK) and the portal policy's (the permission backend's portal-policy module, same process).
 * `portal-user` subjects get their teams from the catalog.
 */
export const authzPlugin = createBackendPlugin({
  pluginId: 'authz',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        config: coreServices.rootConfig,
        database: coreServices.database,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        evaluator: authzEvaluatorServiceRef,
        telemetry: requestTelemetryServiceRef,
        events: platformEventsServiceRef,
        hub: platformHubServiceRef,
        portalPolicy: portalPolicyServiceRef,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
      },
      async init({
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        config,
        database,
        logger,
        lifecycle,
        evaluator,
        telemetry,
        events,
        hub,
        portalPolicy,
        catalog,
        auth,
      }) {
        permissionsRegistry.addPermissions(authzPermissions);
        const knex = await migratedDatabase(
          database,
          '@internal/plugin-authz-backend',
        );
        const portalUsers = catalogPortalUsers({
          catalog,
          auth,
          orgLocations: OrgLocations.fromConfig(config),
        });
        evaluator.setPortalUsers(portalUsers.directory);
        const store = new RevisionStore(knex);
        const revisions = new PolicyRevisions(
          store,
          evaluatorTarget(evaluator),
          logger,
        );
        await revisions.seed(
          readPolicyDirectory(
            config.getOptionalString('authz.policyDirectory') ??
              path.join(defaultPolicyRoot(), 'product'),
          ),
        );
        const portalOptions = {
          pluginIds: PORTAL_PLUGIN_IDS,
          onError: (error: Error) =>
            logger.error(`portal policy failed, denied: ${error.message}`),
        };
        const portalRevisions = new PolicyRevisions(
          store,
          portalTarget(portalPolicy, portalOptions, async userRef => {
            const known = (await portalUsers.directory.load([userRef])).get(
              userRef,
            );
            return {
              ownershipRefs: [userRef, ...(known?.teams ?? [])],
              accountAccess: known?.accountAccess ?? [],
              dataClasses: known?.dataClasses ?? [],
            };
          }),
          logger,
        );
        const portalDecisions = new PortalDecisionStore(knex);
        portalPolicy.setRecorder(decision => portalDecisions.insert(decision));
        await portalRevisions.seed(
          readPolicyDirectory(
            config.getOptionalString('authz.portalPolicyDirectory') ??
              path.join(defaultPolicyRoot(), 'portal'),
            { entrypoint: PORTAL_ENTRYPOINT },
          ),
        );
        const shadow = new ShadowStore(knex);
        const modes = new EnforcementModes(shadow);
        await modes.reload();
        const listener = new ChangeListener(
          knex,
          async payload => {
            if (payload === 'modes' || payload === 'resync') {
              await modes.reload();
            }
            await revisions.onChange(payload);
            await portalRevisions
              .onChange(payload)
              .catch(error =>
                logger.error(
                  `authz: portal revision did not load, portal decisions deny: ${error}`,
                ),
              );
          },
          logger,
        );
        await listener.start();
        lifecycle.addShutdownHook(() => listener.stop());
        await revisions.sync();
        await portalRevisions
          .sync()
          .catch(error =>
            logger.error(
              `authz: portal revision did not load, portal decisions deny: ${error}`,
            ),
          );
        const trail = new DecisionTrail({
          appendAudit: async records => {
            const sink = await hub.waitForSink({
              timeoutMs:
                config.getOptionalNumber('platform.audit.sinkWaitMs') ?? 30_000,
              caller: 'the authz decision log',
            });
            await sink.appendAudit(records);
          },
          events,
          logger,
          checkedSampleRate: config.getOptionalNumber(
            'authz.events.checkedSampleRate',
          ),
        });
        httpRouter.addAuthPolicy({
          path: '/v1/health',
          allow: 'unauthenticated',
        });
        const decisionLog = new DecisionLog(knex, {
          maxBatch: config.getOptionalNumber('authz.decisionLog.maxBatch'),
          maxQueued: config.getOptionalNumber('authz.decisionLog.maxQueued'),
          events: decisions => trail.events(decisions),
          onCommitted: decisions => trail.committed(decisions),
        });
        evaluator.setSdkRecorder((records, caller) =>
          decisionLog.append(records.map(r => sdkLoggedDecision(r, caller))),
        );
        httpRouter.use(
          await createRouter({
            authz: evaluator,
            evaluator,
            decisionLog,
            store,
            revisions,
            portalRevisions,
            portalUsers,
            portalReplay: {
              decisions: portalDecisions,
              load: candidate =>
                PortalPolicy.fromRevision(candidate, portalOptions),
            },
            activeRevision: () => evaluator.activeRevision,
            shadow,
            modes,
            maxDiscrepancyRate:
              config.getOptionalNumber('authz.shadow.maxDiscrepancyRate') ??
              0.001,
            discrepancyWindowHours:
              config.getOptionalNumber('authz.shadow.windowHours') ?? 24,
            httpAuth,
            permissions,
            auditor,
            productUserCallers: new Set(
              config.getOptionalStringArray('authz.productUserCallers') ?? [],
            ),
            telemetry: telemetry.middleware(),
          }),
        );
      },
    });
  },
});
