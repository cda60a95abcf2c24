import {
  coreServices,
  createBackendPlugin,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { platformPermissions } from '@internal/plugin-platform-common';
import {
  PlatformQaCheck,
  platformQaExtensionPoint,
  platformRetentionExtensionPoint,
  RetentionTarget,
  platformHubServiceRef,
  requestTelemetryServiceRef,
  migratedDatabase,
} from '@internal/plugin-platform-node';
import { createRouter } from './service/router';
import { EventStore } from './service/EventStore';
import { createAuditChain } from './service/audit/createAuditChain';
import { QaChecks } from './service/QaChecks';
import { TelemetryStore } from './service/TelemetryStore';
import { RetentionService } from './service/Retention';
import { AuditActivityReader } from './service/AuditActivityReader';
import { OrgLocations } from '@internal/plugin-catalog-backend-module-org-trust';
import { catalogActorTeams } from './service/catalogActorTeams';

/**
 * The platform plumbing backend: event log, dead letters and data QA, the audit store,
 * request telemetry rollups, RUM and retention; mounted at /api/platform.
 */
export const platformPlugin = createBackendPlugin({
  pluginId: 'platform',
  register(env) {
    // Other plugins' data and checks join through modules for pluginId 'platform'.
    const retentionTargets: RetentionTarget[] = [];
    env.registerExtensionPoint(platformRetentionExtensionPoint, {
      addRetentionTarget: (...targets) => retentionTargets.push(...targets),
    });
    const qaChecks: PlatformQaCheck[] = [];
    env.registerExtensionPoint(platformQaExtensionPoint, {
      addQaCheck: (...checks) => qaChecks.push(...checks),
    });
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        database: coreServices.database,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        scheduler: coreServices.scheduler,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        lifecycle: coreServices.lifecycle,
        hub: platformHubServiceRef,
        requestTelemetry: requestTelemetryServiceRef,
      },
      async init(deps) {
        const { database, logger, config, scheduler, hub, lifecycle } = deps;
        const knex = await migratedDatabase(
          database,
          '@internal/plugin-platform-backend',
        );
        deps.permissionsRegistry.addPermissions(platformPermissions);

        const statementTimeoutMs = config.getOptionalNumber(
          'platform.statementTimeoutMs',
        );
        const orgLocations = OrgLocations.fromConfig(config);
        const events = new EventStore(knex, hub.registry, {
          statementTimeoutMs,
        });
        // HMAC-signed chain, head checkpoints outside the database, verify as a scheduled job.
        const auditChain = await createAuditChain({
          knex,
          config,
          logger,
          scheduler,
        });
        const audit = auditChain.audit;
        const qa = new QaChecks(knex, hub.registry, () => qaChecks);
        const telemetry = new TelemetryStore(knex, { statementTimeoutMs });
        const retention = new RetentionService({
          knex,
          audit,
          days: RetentionService.daysFromConfig(dataClass =>
            config.getOptionalNumber(`platform.retention.days.${dataClass}`),
          ),
          targets: () => retentionTargets,
        });
        hub.attach({
          sink: {
            ingestEvents: async deliveries => {
              await events.ingest(deliveries);
            },
            appendAudit: async records => {
              await audit.appendMany(records);
            },
            ingestRollups: rollups => telemetry.ingestRollups(rollups),
          },
          source: events,
          telemetryReader: telemetry,
          // Aggregated per day and actor team (users resolved through the catalog).
          auditReader: new AuditActivityReader(
            knex,
            catalogActorTeams({
              ...deps,
              isOrgEntity: entity => orgLocations.isOrgEntity(entity),
            }),
            {
              statementTimeoutMs,
            },
          ),
        });
        lifecycle.addShutdownHook(() => audit.drain());

        const schedule = (key: string, fallback: { hours: number }) =>
          config.has(key)
            ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
                config.getConfig(key),
              )
            : {
                frequency: fallback,
                timeout: { minutes: 10 },
                initialDelay: { minutes: 1 },
              };
        await scheduler.scheduleTask({
          id: 'platform-data-qa',
          scope: 'global',
          ...schedule('platform.qa.schedule', { hours: 1 }),
          fn: async () => {
            const results = await qa.run();
            const failed = results.filter(r => r.status === 'fail');
            if (failed.length) {
              logger.warn(
                `Data QA: ${failed.length} failing checks: ${failed
                  .slice(0, 5)
                  .map(
                    r =>
                      `${r.check} ${r.event_type}${
                        r.field ? `.${r.field}` : ''
                      }`,
                  )
                  .join(', ')}`,
              );
            }
          },
        });
        const downsampleAfterDays =
          config.getOptionalNumber('platform.telemetry.downsampleAfterDays') ??
          7;
        await scheduler.scheduleTask({
          id: 'platform-telemetry-downsample',
          scope: 'global',
          ...schedule('platform.telemetry.downsampleSchedule', { hours: 1 }),
          fn: async () => {
            const { minuteRows } = await telemetry.downsample(
              new Date(Date.now() - downsampleAfterDays * 24 * 60 * 60 * 1000),
            );
            if (minuteRows > 0) {
              logger.info(
                `Telemetry: folded ${minuteRows} minute rollups older than ${downsampleAfterDays} days into hourly rows`,
              );
            }
          },
        });
        await scheduler.scheduleTask({
          id: 'platform-retention',
          scope: 'global',
          ...schedule('platform.retention.schedule', { hours: 24 }),
          fn: async () => {
            const report = await retention.run('scheduler');
            logger.info(`Retention run ${report.runId} done`, {
              report: JSON.stringify(report),
            });
          },
        });

        deps.httpRouter.use(
          await createRouter({
            logger,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            userInfo: deps.userInfo,
            hub,
            events,
            audit,
            auditVerify: auditChain,
            qa,
            telemetry,
            retention,
            telemetryMiddleware: deps.requestTelemetry.middleware(),
            rumRateLimit: {
              points:
                config.getOptionalNumber('platform.rum.rateLimit.points') ??
                120,
              durationSeconds:
                config.getOptionalNumber(
                  'platform.rum.rateLimit.durationSeconds',
                ) ?? 60,
            },
          }),
        );
      },
    });
  },
});
