import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { platformHubServiceRef } from '../hub';

export interface AuditActivityQuery {
  from: Date;
  to: Date;
  /** Only records of these plugins (plugin ids); all when absent. */
  plugins?: string[];
}

/**
 * Audit records of one UTC day, plugin, action, outcome and actor team, counted. Aggregated
 * on purpose: no actor of a user, no resource, no record body leaves the platform backend.
 */
export interface AuditActivity {
  /** Start of the UTC day. */
  day: Date;
  plugin: string;
  /** The record's action, `<plugin>.<eventId>` for auditor events (e.g. `filters.filters-query`). */
  action: string;
  outcome: 'succeeded' | 'failed' | 'initiated';
  /**
   * The actor's team: a group ref from the catalog (the user's first team), `service` for
   * service principals, `none` for users in no team, `unknown` for users the catalog lacks.
   */
  team: string;
  /** `service:<subject>` for service principals, `*` for users (who is not shared). */
  caller: string;
  count: number;
  /** The newest record of the group. */
  lastAt: Date;
}

/** Read access to the platform audit store, aggregated, for plugins that measure usage. */
export interface PlatformAuditReader {
  /** Counts over `occurred_at` in `[from, to)`, ordered by day. */
  activityByTeam(q: AuditActivityQuery): Promise<AuditActivity[]>;
}

/** How long a reader call waits for the platform backend to start before failing. */
export const AUDIT_READER_WAIT_MS = 30_000;

/**
 * Plugin-scoped audit reader; its default factory needs no wiring. Calls wait (bounded) for the
 * platform backend in this process, which provides the implementation over its audit tables.
 */
export const platformAuditReaderServiceRef =
  createServiceRef<PlatformAuditReader>({
    id: 'platform.audit-reader',
    scope: 'plugin',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          hub: platformHubServiceRef,
          plugin: coreServices.pluginMetadata,
        },
        factory({ hub, plugin }) {
          return {
            activityByTeam: async q =>
              (
                await hub.waitForAuditReader({
                  timeoutMs: AUDIT_READER_WAIT_MS,
                  caller: plugin.getId(),
                })
              ).activityByTeam(q),
          };
        },
      }),
  });
