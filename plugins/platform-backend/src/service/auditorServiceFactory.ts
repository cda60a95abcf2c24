import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { DefaultAuditorService } from '@backstage/backend-defaults/auditor';
import {
  AuditRecordInput,
  PORTAL_PLUGIN_IDS,
} from '@internal/plugin-platform-common';
import { platformHubServiceRef } from '@internal/plugin-platform-node';

/** Plugins whose auditor events also land in the audit store, unless configured. */
export const DEFAULT_AUDITED_PLUGINS: readonly string[] = PORTAL_PLUGIN_IDS;

/**
 * Replaces the default auditor: every event is still logged as Backstage does, and for the
 * platform plugins (config `platform.audit.auditorPlugins`) the succeeded/failed events are
 * also appended to the tamper-evident audit store. `success()`/`fail()` resolve once the
 * record has committed, so an audited action never completes with its record lost.
 */
export const platformAuditorServiceFactory = createServiceFactory({
  service: coreServices.auditor,
  deps: {
    config: coreServices.rootConfig,
    logger: coreServices.logger,
    auth: coreServices.auth,
    httpAuth: coreServices.httpAuth,
    plugin: coreServices.pluginMetadata,
    hub: platformHubServiceRef,
  },
  factory({ config, logger, auth, httpAuth, plugin, hub }) {
    const audited = new Set(
      config.getOptionalStringArray('platform.audit.auditorPlugins') ??
        DEFAULT_AUDITED_PLUGINS,
    );
    const auditLogger = logger.child({ isAuditEvent: true });
    const sinkWaitMs =
      config.getOptionalNumber('platform.audit.sinkWaitMs') ?? 30_000;
    return DefaultAuditorService.create(
      async event => {
        const { error, ...rest } = event as typeof event & { error?: Error };
        const level = event.severityLevel === 'low' ? 'debug' : 'info';
        auditLogger[level](`${event.plugin}.${event.eventId}`, {
          ...rest,
          ...(error ? { error: String(error) } : {}),
        } as any);
        if (!audited.has(event.plugin) || event.status === 'initiated') return;
        const meta = (event.meta ?? {}) as Record<string, unknown>;
        const record: AuditRecordInput = {
          actor: event.actor.actorId ?? 'unknown',
          action: `${event.plugin}.${event.eventId}`,
          resource:
            typeof meta.resource === 'string'
              ? meta.resource
              : event.request?.url?.split('?')[0] ?? event.plugin,
          outcome: event.status,
          severity: event.severityLevel,
          plugin: event.plugin,
          meta: {
            ...meta,
            ...(event.request ? { request: { ...event.request } } : {}),
            ...(event.actor.ip ? { ip: event.actor.ip } : {}),
            ...(error ? { error: String(error.message ?? error) } : {}),
          },
        };
        const sink = await hub.waitForSink({
          timeoutMs: sinkWaitMs,
          caller: `the auditor of plugin '${event.plugin}'`,
        });
        await sink.appendAudit([record]);
      },
      { plugin, auth, httpAuth },
    );
  },
});
