import { randomBytes } from 'node:crypto';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { exportsPermissions } from '@internal/plugin-exports-common';
import { portalPolicyServiceRef } from '@internal/plugin-authz-node';
import { filterEngineServiceRef } from '@internal/plugin-filters-node';
import {
  platformEventsServiceRef,
  platformHubServiceRef,
  migratedDatabase,
} from '@internal/plugin-platform-node';
import knexFactory from 'knex';
import { ExportMetrics } from './service/ExportMetrics';
import { ExportRunner } from './service/ExportRunner';
import { ExportStore } from './service/ExportStore';
import { loadRunTimeAccessCheck } from './service/access';
import { expireExports, SweepPosition } from './service/expireExports';
import { createExportStorage } from './service/storage/createExportStorage';
import { AccountLookup, createRouter } from './service/router';
import { WebhookDeliverer } from './service/webhooks';
import { WebhookDispatcher } from './service/delivery/WebhookDispatcher';
import { WebhookOutbox } from './service/delivery/WebhookOutbox';
import { freshDownloadUrl } from './service/delivery/freshDownloadUrl';
import { QueueListener } from './service/queue/QueueListener';
import { readExportLimits } from './service/writers/limits';

const DAY_MS = 86_400_000;

/** The export service: `/api/exports/v1`, its queue workers and the retention purge. */
export const exportsPlugin = createBackendPlugin({
  pluginId: 'exports',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        discovery: coreServices.discovery,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        filters: filterEngineServiceRef,
        events: platformEventsServiceRef,
        hub: platformHubServiceRef,
        portalPolicy: portalPolicyServiceRef,
      },
      async init(deps) {
        const { config, logger } = deps;
        const c = config.getOptionalConfig('exports');
        const client = await migratedDatabase(
          deps.database,
          '@internal/plugin-exports-backend',
        );
        deps.permissionsRegistry.addPermissions(exportsPermissions);

        let signingSecret = c?.getOptionalString('signingSecret');
        if (!signingSecret) {
          logger.warn(
            'exports: exports.signingSecret is not set; download URLs are signed with a per-process key',
          );
          signingSecret = randomBytes(32).toString('hex');
        }
        const product = config.getConfig('platform.productDatabase.connection');
        const productDb = knexFactory({
          client: 'pg',
          connection: product.get<object>(),
          pool: { min: 0, max: 2 },
        });
        deps.lifecycle.addShutdownHook(() => productDb.destroy());
        const accounts: AccountLookup = async accountId => {
          const row = await productDb('accounts')
            .where({ id: accountId })
            .first('plan', 'region');
          return row
            ? { plan: String(row.plan), region: row.region as 'us' | 'eu' }
            : undefined;
        };

        const webhookConfig = c?.getOptionalConfig('webhooks');
        const store = new ExportStore(client, {
          jobAttempts: c?.getOptionalNumber('maxAttempts'),
          webhookAttempts: webhookConfig?.getOptionalNumber('attempts'),
        });
        const webhookHosts = (
          webhookConfig?.getOptionalStringArray('allowedHosts') ?? []
        ).map(h => h.toLowerCase());
        const pollMs = (c?.getOptionalNumber('pollSeconds') ?? 1) * 1000;
        // Webhooks wait in export_webhook_outbox (queued when the job finishes) until delivered.
        const webhooks = new WebhookDispatcher({
          outbox: new WebhookOutbox(client),
          deliverer: new WebhookDeliverer({
            secret: webhookConfig?.getOptionalString('secret') ?? signingSecret,
            allowedHosts: webhookHosts,
          }),
          logger,
          backoffBaseMs: webhookConfig?.getOptionalNumber('backoffBaseMs'),
          pollMs,
          freshFields: row =>
            freshDownloadUrl(row, {
              secret: signingSecret!,
              baseUrl: () => deps.discovery.getExternalBaseUrl('exports'),
            }),
        });
        // export.completed / export.failed (after the last attempt) with the schema's properties.
        const emitFinished = async (
          id: string,
          outcome: string,
          error?: { type: string; message: string },
        ) => {
          if (outcome !== 'succeeded' && outcome !== 'failed') return;
          const row = await store.get(id);
          if (!row) return;
          const identity = {
            user_id: row.requested_by,
            account_id: row.account_id,
          };
          if (outcome === 'succeeded') {
            await deps.events.emit(
              'export.completed',
              {
                export_id: row.id,
                format: row.format,
                file_size_bytes: Number(row.bytes_written),
                duration_ms:
                  (row.finished_at?.getTime() ?? Date.now()) -
                  (row.started_at?.getTime() ?? row.created_at.getTime()),
                row_count: Number(row.rows_written),
              },
              identity,
            );
          } else {
            await deps.events.emit(
              'export.failed',
              {
                export_id: row.id,
                error_type: error?.type ?? row.error_type ?? 'internal',
                error_message: error?.message ?? row.error_message ?? '',
                retry_count: Math.max(0, row.attempts - 1),
              },
              identity,
            );
          }
        };
        const storage = createExportStorage(config);
        const metrics = new ExportMetrics(deps.hub.metrics, () =>
          store.queueStats(),
        );
        // Jobs are authorized again when they run: access revoked since the request fails the
        // job with permission_revoked (decided from the catalog by the portal policy in force).
        const runTimeAccessCheck = loadRunTimeAccessCheck({
          config,
          catalog: deps.catalog,
          auth: deps.auth,
          portalPolicy: deps.portalPolicy,
          engine: deps.filters.engine,
          auditor: deps.auditor,
          logger,
        });
        const runner = new ExportRunner({
          runTimeAccessCheck,
          store,
          storage,
          exporter: deps.filters.exporter,
          logger,
          workers: c?.getOptionalNumber('workers') ?? 2,
          leaseMs: (c?.getOptionalNumber('leaseSeconds') ?? 30) * 1000,
          heartbeatMs: (c?.getOptionalNumber('heartbeatSeconds') ?? 2) * 1000,
          pollMs,
          perTenantLimit: c?.getOptionalNumber('perTenantConcurrency') ?? 2,
          retentionMs: (c?.getOptionalNumber('retentionDays') ?? 7) * DAY_MS,
          maxBytes: c?.getOptionalNumber('maxCsvBytes') ?? 1024 ** 3,
          limits: readExportLimits(c),
          onFinished: (job, outcome, error) => {
            if (outcome !== 'lost') {
              metrics.finished(
                job.format,
                outcome,
                (Date.now() - job.created_at.getTime()) / 1000,
                error?.type,
              );
            }
            emitFinished(job.id, outcome, error).catch(e =>
              logger.warn(`exports: event for ${job.id} not emitted: ${e}`),
            );
            webhooks.wake();
          },
        });
        // Other replicas' new jobs wake this one's idle workers (the poll stays the fallback).
        const listener = new QueueListener({
          db: client,
          logger,
          onNotify: () => runner.notify(),
        });
        deps.lifecycle.addStartupHook(async () => {
          runner.start();
          webhooks.start();
          await listener.start();
        });
        deps.lifecycle.addShutdownHook(async () => {
          await listener.stop();
          await runner.stop();
          await webhooks.stop();
        });

        const sweep: SweepPosition = {};
        await deps.scheduler.scheduleTask({
          id: 'exports-expire',
          frequency: { minutes: 10 },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: async () => {
            await expireExports({
              store,
              storage,
              auditor: deps.auditor,
              logger,
              sweep,
            });
          },
        });

        deps.httpRouter.addAuthPolicy({
          path: '/v1/download',
          allow: 'unauthenticated',
        });
        deps.httpRouter.use(
          await createRouter({
            store,
            storage,
            engine: deps.filters.engine,
            access: deps.filters.access,
            accounts,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            signingSecret,
            webhookHosts,
            estimate: (request, context) =>
              deps.filters.exporter.estimate(request, context),
            events: deps.events,
            onQueued: () => runner.notify(),
          }),
        );
      },
    });
  },
});
