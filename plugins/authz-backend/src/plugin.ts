import * as path from 'node:path';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { authzPermissions } from '@internal/plugin-authz-common';
import {
  authzEvaluatorServiceRef,
  DecisionRecord,
  defaultPolicyRoot,
  readPolicyDirectory,
} from '@internal/plugin-authz-node';
import {
  platformEventsServiceRef,
  platformHubServiceRef,
  requestTelemetryServiceRef,
  migratedDatabase,
} from '@internal/plugin-platform-node';
import { DecisionTrail } from './service/DecisionTrail';
import { ChangeListener } from './service/ChangeListener';
import { PolicyRevisions } from './service/PolicyRevisions';
import { RevisionStore } from './service/RevisionStore';
import { EnforcementModes } from './service/EnforcementModes';
import { ShadowStore } from './service/ShadowStore';
import { DecisionLog, LoggedDecision } from './service/DecisionLog';
import { createRouter } from './service/router';

/** An in-process (SDK) decision as the log keeps it: always enforced, team from the context. */
function sdkLogged(record: DecisionRecord, caller: string): LoggedDecision {
  const { check, decision } = record;
  const team = check.context?.team;
  const endpoint = check.context?.endpoint;
  return {
    caller,
    check,
    decision: { ...decision, mode: 'enforce' },
    ...(typeof team === 'string' ? { team } : {}),
    ...(typeof endpoint === 'string' ? { endpoint } : {}),
    policy: { allowed: decision.allowed, reason: decision.reason },
  };
}

/**
 * The permission service: `/api/authz/v1/check`, `/v1/check/batch`, policy revisions
 * (`/v1/revisions`, activate, rollback) and `/v1/data/changed`. Every replica follows the
 * active revision through Postgres LISTEN/NOTIFY.
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
      }) {
        permissionsRegistry.addPermissions(authzPermissions);
        const knex = await migratedDatabase(
          database,
          '@internal/plugin-authz-backend',
        );
        const store = new RevisionStore(knex);
        const revisions = new PolicyRevisions(store, evaluator, logger);
        await revisions.seed(
          readPolicyDirectory(
            config.getOptionalString('authz.policyDirectory') ??
              path.join(defaultPolicyRoot(), 'product'),
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
          },
          logger,
        );
        await listener.start();
        lifecycle.addShutdownHook(() => listener.stop());
        await revisions.sync();
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
          onCommitted: decisions => trail.committed(decisions),
        });
        evaluator.setSdkRecorder((records, caller) =>
          decisionLog.append(records.map(r => sdkLogged(r, caller))),
        );
        httpRouter.use(
          await createRouter({
            authz: evaluator,
            evaluator,
            decisionLog,
            store,
            revisions,
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
