import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { capacityPermissions } from '@internal/plugin-capacity-common';
import { exportJobsReaderServiceRef } from '@internal/plugin-exports-node';
import {
  requestTelemetryServiceRef,
  migratedDatabase,
} from '@internal/plugin-platform-node';
import knexFactory from 'knex';
import { PostgresCollector } from './collectors/postgresCollector';
import { ExportServiceCollector } from './collectors/exportServiceCollector';
import { ProcessCollector } from './collectors/processCollector';
import { Collector } from './collectors/types';
import { CapacityService, DEFAULT_SETTINGS } from './service/CapacityService';
import { CapacityStore } from './service/CapacityStore';
import { findRepoFile, loadDefinitions } from './service/definitions';
import { createRouter } from './service/router';

/**
 * The capacity backend plugin: `/api/capacity/v1` (the doomsday clock) and its collectors on
 * the Backstage scheduler.
 */
export const capacityPlugin = createBackendPlugin({
  pluginId: 'capacity',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        telemetry: requestTelemetryServiceRef,
        exportJobs: exportJobsReaderServiceRef,
      },
      async init(deps) {
        const { config, logger } = deps;
        const c = config.getOptionalConfig('capacity');
        const files = {
          limits:
            c?.getOptionalString('limitsFile') ?? findRepoFile('limits.yaml'),
          costs:
            c?.getOptionalString('costsFile') ?? findRepoFile('costs.yaml'),
        };
        if (!files.limits || !files.costs) {
          throw new Error(
            'capacity: capacity/limits.yaml or capacity/costs.yaml not found above the package; set capacity.limitsFile / capacity.costsFile',
          );
        }
        const definitions = loadDefinitions({
          limits: files.limits,
          costs: files.costs,
        });

        const client = await migratedDatabase(
          deps.database,
          '@internal/plugin-capacity-backend',
        );
        deps.permissionsRegistry.addPermissions(capacityPermissions);

        const webhook = c?.getOptionalConfig('statusWebhook');
        const service = new CapacityService({
          store: new CapacityStore(client),
          definitions,
          settings: {
            windowDays:
              c?.getOptionalNumber('windowDays') ?? DEFAULT_SETTINGS.windowDays,
            minPoints:
              c?.getOptionalNumber('minPoints') ?? DEFAULT_SETTINGS.minPoints,
            minR2: c?.getOptionalNumber('minR2') ?? DEFAULT_SETTINGS.minR2,
            yellowWithinDays:
              c?.getOptionalNumber('yellowWithinDays') ??
              DEFAULT_SETTINGS.yellowWithinDays,
            growthMultiplier:
              c?.getOptionalNumber('growthMultiplier') ??
              DEFAULT_SETTINGS.growthMultiplier,
            growthOverDays:
              c?.getOptionalNumber('growthOverDays') ??
              DEFAULT_SETTINGS.growthOverDays,
          },
          logger,
          auditor: deps.auditor,
          webhook: webhook
            ? {
                url: webhook.getString('url'),
                timeoutMs: webhook.getOptionalNumber('timeoutMs') ?? 5000,
                attempts: webhook.getOptionalNumber('attempts') ?? 4,
                backoffMs: webhook.getOptionalNumber('backoffMs') ?? 1000,
              }
            : undefined,
        });

        const processCollector = new ProcessCollector();
        const sharedCollectors: Collector[] = [
          new ExportServiceCollector(deps.exportJobs),
        ];
        const product = config.getOptionalConfig(
          'platform.productDatabase.connection',
        );
        if (product) {
          const productDb = knexFactory({
            client: 'pg',
            connection: {
              ...product.get<object>(),
              connectionTimeoutMillis: 3000,
            },
            pool: { min: 0, max: 2 },
            acquireConnectionTimeout: 5000,
          });
          deps.lifecycle.addShutdownHook(() => productDb.destroy());
          sharedCollectors.unshift(
            new PostgresCollector(productDb, {
              createExtension:
                c?.getOptionalBoolean('collectors.postgres.createExtension') ??
                false,
            }),
          );
        } else {
          logger.warn(
            'capacity: platform.productDatabase is not configured; no Postgres collector',
          );
        }
        const frequency = {
          seconds: c?.getOptionalNumber('collectors.intervalSeconds') ?? 300,
        };
        const initialDelay = {
          seconds: c?.getOptionalNumber('collectors.initialDelaySeconds') ?? 5,
        };
        // Shared sources (the product database, the export service) are measured by one
        // replica; each replica measures its own process.
        await deps.scheduler.scheduleTask({
          id: 'capacity-collect-shared',
          frequency,
          initialDelay,
          timeout: { minutes: 2 },
          scope: 'global',
          fn: async () => service.collect(sharedCollectors, new Date()),
        });
        await deps.scheduler.scheduleTask({
          id: 'capacity-collect-process',
          frequency,
          initialDelay,
          timeout: { minutes: 1 },
          scope: 'local',
          fn: async () => service.collect([processCollector], new Date()),
        });

        deps.httpRouter.use(
          await createRouter({
            service,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            samplePushers: c?.getOptionalStringArray('samplePushers') ?? [],
            telemetry: deps.telemetry.middleware(),
          }),
        );
      },
    });
  },
});
