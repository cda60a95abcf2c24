import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { platformHubServiceRef } from '../hub';

/** One time bucket of request (or page-load) telemetry, summed over the other dimensions. */
export interface TelemetryMinute {
  /** Start of the bucket (UTC). */
  minute: Date;
  /** 1, or 60 for downsampled history. */
  resolutionMinutes: number;
  /** Requests (page loads for RUM). */
  count: number;
  /** 5xx responses (0 for RUM). */
  errors: number;
  /** NON-cumulative counts per bucketBoundsMs bound, then one overflow count. */
  buckets: number[];
}

export interface RequestMinutesQuery {
  from: Date;
  to: Date;
  service?: string;
  method?: string;
  route?: string;
}

export interface TeamRequestsQuery {
  from: Date;
  to: Date;
  /** Only these services (plugin ids); all when absent. */
  services?: string[];
}

/** Requests of one time bucket, service, route and caller team. */
export interface TeamRequests {
  /** Start of the bucket (UTC). */
  minute: Date;
  /** 1, or 60 for downsampled history. */
  resolutionMinutes: number;
  service: string;
  method: string;
  /** Route template, e.g. `/api/filters/v1/query`. */
  route: string;
  /** The caller's group ref; `service` for service principals, `none`/`unknown` when not known. */
  team: string;
  /** `service:<subject>` for service principals, `*` for users (who called is not shared). */
  caller: string;
  count: number;
  errors: number;
}

export interface PageLoadMinutesQuery {
  from: Date;
  to: Date;
  route?: string;
}

/**
 * Read access to the platform's request rollups and RUM page loads, for plugins (SLOs,
 * capacity) that must not reach into the platform backend's database.
 */
export interface PlatformTelemetryReader {
  readonly bucketBoundsMs: readonly number[];
  /** Summed over the other dimensions, ordered by minute; `[from, to)`. */
  requestMinutes(q: RequestMinutesQuery): Promise<TelemetryMinute[]>;
  /** Page loads per minute, ordered by minute; `[from, to)`. */
  pageLoadMinutes(q: PageLoadMinutesQuery): Promise<TelemetryMinute[]>;
  /**
   * Requests per time bucket, service, method, route and caller team, ordered by time; `[from,
   * to)`. Optional so readers written before it stay valid; the platform backend provides it.
   */
  requestsByTeam?(q: TeamRequestsQuery): Promise<TeamRequests[]>;
}

/** How long a reader call waits for the platform backend to start before failing. */
export const TELEMETRY_READER_WAIT_MS = 30_000;

/**
 * Plugin-scoped reader; its default factory needs no wiring. Calls wait (bounded) for the
 * platform backend in this process, which provides the implementation over its tables.
 */
export const platformTelemetryReaderServiceRef =
  createServiceRef<PlatformTelemetryReader>({
    id: 'platform.telemetry-reader',
    scope: 'plugin',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          hub: platformHubServiceRef,
          plugin: coreServices.pluginMetadata,
        },
        factory({ hub, plugin }) {
          const reader = () =>
            hub.waitForTelemetryReader({
              timeoutMs: TELEMETRY_READER_WAIT_MS,
              caller: plugin.getId(),
            });
          return {
            bucketBoundsMs: LATENCY_BUCKETS_MS,
            requestMinutes: async q => (await reader()).requestMinutes(q),
            pageLoadMinutes: async q => (await reader()).pageLoadMinutes(q),
            requestsByTeam: async q => {
              const r = await reader();
              if (!r.requestsByTeam) {
                throw new Error(
                  'The platform telemetry reader in this process has no per-team query',
                );
              }
              return r.requestsByTeam(q);
            },
          };
        },
      }),
  });
