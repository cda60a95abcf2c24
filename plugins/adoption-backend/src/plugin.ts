import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { adoptionPermissions } from '@internal/plugin-adoption-common';
import { OrgLocations } from '@internal/plugin-catalog-backend-module-org-trust';
import {
  migratedDatabase,
  platformAuditReaderServiceRef,
  platformTelemetryReaderServiceRef,
  requestTelemetryServiceRef,
} from '@internal/plugin-platform-node';
import { AdoptionService } from './service/AdoptionService';
import { AdoptionStore } from './service/AdoptionStore';
import { CampaignReminders } from './service/CampaignReminders';
import { findAdoptionDir, loadDefinitions } from './service/definitions';
import { createRouter } from './service/router';
import { HttpEvidenceSources } from './service/sources';

/** The adoption backend plugin: `/api/adoption/v1` (inventory, matrix, scorecards, roadmap). */
export const adoptionPlugin = createBackendPlugin({
  pluginId: 'adoption',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
        telemetry: requestTelemetryServiceRef,
        telemetryReader: platformTelemetryReaderServiceRef,
        auditReader: platformAuditReaderServiceRef,
      },
      async init(deps) {
        const { config, logger } = deps;
        const c = config.getOptionalConfig('adoption');
        const dir = c?.getOptionalString('definitionsDir') ?? findAdoptionDir();
        if (!dir) {
          throw new Error(
            'adoption: adoption/roadmap.yaml not found above the package; set adoption.definitionsDir',
          );
        }
        const client = await migratedDatabase(
          deps.database,
          '@internal/plugin-adoption-backend',
        );
        deps.permissionsRegistry.addPermissions(adoptionPermissions);
        const store = new AdoptionStore(client);
        // Only entities from these may map a service principal to their team.
        const orgLocations = OrgLocations.fromConfig(config);
        const service = new AdoptionService({
          store,
          sources: new HttpEvidenceSources(deps),
          catalog: {
            entities: async () =>
              (
                await deps.catalog.getEntities(
                  {
                    filter: [
                      { kind: 'Group' },
                      { kind: 'Component' },
                      { kind: 'Resource' },
                      { kind: 'API' },
                    ],
                  },
                  { credentials: await deps.auth.getOwnServiceCredentials() },
                )
              ).items,
          },
          telemetry: deps.telemetryReader,
          audit: deps.auditReader,
          trustedEntity: entity => orgLocations.isOrgEntity(entity),
          definitions: loadDefinitions(dir),
          settings: {
            legacyQuietDays: c?.getOptionalNumber('legacyQuietDays') ?? 14,
            backfillDays: c?.getOptionalNumber('backfillDays') ?? 30,
          },
          logger,
        });
        // Copies usage continuously so phase history is recorded even when nobody looks.
        await deps.scheduler.scheduleTask({
          id: 'adoption-sync-evidence',
          frequency: {
            seconds: c?.getOptionalNumber('syncIntervalSeconds') ?? 30,
          },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 10 },
          scope: 'global',
          fn: async () => {
            // Audit records are not a phase input: the sync skips that read.
            await service.matrix({ audit: false });
          },
        });
        const reminders = c?.getOptionalConfig('reminders');
        const webhook = reminders?.getOptionalConfig('webhook');
        if (webhook) {
          const job = new CampaignReminders({
            campaigns: () => service.campaigns(),
            store,
            auditor: deps.auditor,
            logger,
            settings: {
              webhook: {
                url: webhook.getString('url'),
                timeoutMs: webhook.getOptionalNumber('timeoutMs') ?? 5000,
              },
              daysBeforeDeadline:
                reminders?.getOptionalNumber('daysBeforeDeadline') ?? 3,
            },
          });
          await deps.scheduler.scheduleTask({
            id: 'adoption-campaign-reminders',
            frequency: {
              minutes: reminders?.getOptionalNumber('frequencyMinutes') ?? 60,
            },
            timeout: { minutes: 5 },
            initialDelay: { seconds: 30 },
            scope: 'global',
            fn: async () => {
              await job.run();
            },
          });
        }
        deps.httpRouter.use(
          await createRouter({
            service,
            store,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            shimReporters: c?.getOptionalStringArray('shimReporters') ?? [],
            telemetry: deps.telemetry.middleware(),
          }),
        );
      },
    });
  },
});
