import { createServiceFactory } from '@backstage/backend-plugin-api';
import { EventSchemaRegistry } from '../events/EventSchemaRegistry';
import { PlatformHub, platformHubServiceRef } from '../hub';
import { AuditRecordInput } from '@internal/plugin-platform-common';
import { EventSource } from '../types';

/**
 * The platform hub with an in-memory sink, for tests of plugins that run without the platform
 * backend: audit records are pushed to `audit` when given, events and rollups are dropped.
 */
export function hubWithMemorySink(audit?: AuditRecordInput[]) {
  return createServiceFactory({
    service: platformHubServiceRef,
    deps: {},
    factory: () => {
      const hub = new PlatformHub(EventSchemaRegistry.fromPackage(), {
        processMetrics: false,
      });
      hub.attach({
        sink: {
          appendAudit: async records => {
            audit?.push(...records);
          },
          ingestEvents: async () => {},
          ingestRollups: async () => {},
        },
        source: {} as EventSource,
      });
      return hub;
    },
  });
}
