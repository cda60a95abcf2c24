import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  platformEventsServiceRef,
  platformTelemetryReaderServiceRef,
  requestTelemetryServiceRef,
  migratedDatabase,
} from '@internal/plugin-platform-node';
import { exportJobsReaderServiceRef } from '@internal/plugin-exports-node';
import { authzDecisionLatencyReaderServiceRef } from '@internal/plugin-authz-node';
import { HistogramBounds, sloPermissions } from '@internal/plugin-slo-common';
import { createRouter } from './service/router';
import { findUp, loadSloFiles } from './service/loadSloFiles';
import { PagerDutyDelivery } from './service/PagerDutyDelivery';
import { RunbookLibrary } from './service/runbooks';
import { SliSources } from './service/sources';
import { SloService } from './service/SloService';
import { SloStore } from './service/SloStore';

/** The SLO backend plugin, mounted at /api/slo. */
export const sloPlugin = createBackendPlugin({
  pluginId: 'slo',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        database: coreServices.database,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        scheduler: coreServices.scheduler,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        requestTelemetry: requestTelemetryServiceRef,
        telemetryReader: platformTelemetryReaderServiceRef,
        exportJobs: exportJobsReaderServiceRef,
        decisionLatency: authzDecisionLatencyReaderServiceRef,
        events: platformEventsServiceRef,
      },
      async init(deps) {
        const { database, logger, config, scheduler } = deps;
        const knex = await migratedDatabase(
          database,
          '@internal/plugin-slo-backend',
        );
        deps.permissionsRegistry.addPermissions(sloPermissions);

        // Request and page-load SLIs read the platform's rollups through platform-node,
        // permission checks the authz decision latency through authz-node.
        const reader = deps.telemetryReader;
        const bucketBoundsMs: HistogramBounds = {
          requests: reader.bucketBoundsMs,
          'page-loads': reader.bucketBoundsMs,
          'permission-checks': deps.decisionLatency.bucketBoundsMs,
        };

        const definitionsDirectory =
          config.getOptionalString('slo.definitionsDirectory') ??
          (await findUp(process.cwd(), 'slos'));
        const fileDefinitions = definitionsDirectory
          ? await loadSloFiles(definitionsDirectory, bucketBoundsMs)
          : [];
        if (!definitionsDirectory) {
          logger.warn('No slos/ directory found; only API-defined SLOs');
        }
        const runbooksDirectory =
          config.getOptionalString('slo.runbooksDirectory') ??
          (await findUp(process.cwd(), 'docs/runbooks'));

        const prometheusUrl = config.getOptionalString(
          'slo.prometheus.baseUrl',
        );
        const pagerduty = config.getOptionalConfig('slo.pagerduty');
        const store = new SloStore(knex);
        const service = new SloService({
          store,
          sources: new SliSources({
            reader,
            // Export completion reads the exports plugin's jobs table through exports-node.
            exportJobs: deps.exportJobs,
            decisionLatency: deps.decisionLatency,
            prometheus: prometheusUrl ? { baseUrl: prometheusUrl } : undefined,
          }),
          fileDefinitions,
          logger,
          initialLookbackDays:
            config.getOptionalNumber('slo.initialLookbackDays') ?? 30,
          pagerduty: pagerduty
            ? { routingKey: pagerduty.getString('routingKey') }
            : undefined,
          portalBaseUrl: config.getString('app.baseUrl'),
          events: deps.events,
        });
        await service.loadApiDefinitions();
        logger.info(
          `SLOs: ${fileDefinitions.length} from ${
            definitionsDirectory ?? '(none)'
          }, ${service.list().length - fileDefinitions.length} from the API`,
        );

        const intervalSeconds =
          config.getOptionalNumber('slo.evaluationIntervalSeconds') ?? 60;
        await scheduler.scheduleTask({
          id: 'slo-evaluate',
          frequency: { seconds: intervalSeconds },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: async () => {
            // Other replicas may have defined SLOs through the API.
            await service.loadApiDefinitions();
            await service.tick();
          },
        });
        if (pagerduty) {
          const delivery = new PagerDutyDelivery({
            store,
            logger,
            webhookUrl: pagerduty.getString('webhookUrl'),
            maxAttempts: pagerduty.getOptionalNumber('maxAttempts') ?? 6,
            backoffMs:
              (pagerduty.getOptionalNumber('backoffSeconds') ?? 30) * 1000,
          });
          await scheduler.scheduleTask({
            id: 'slo-pagerduty-delivery',
            frequency: { seconds: 10 },
            timeout: { minutes: 2 },
            scope: 'global',
            fn: async () => {
              await delivery.deliverDue();
            },
          });
        }

        deps.httpRouter.use(
          await createRouter({
            service,
            runbooks: new RunbookLibrary(runbooksDirectory),
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            bucketBoundsMs,
            telemetry: deps.requestTelemetry.middleware(),
          }),
        );
      },
    });
  },
});
