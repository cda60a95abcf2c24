import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { EventSchemaRegistry } from './events/EventSchemaRegistry';
import { TelemetryAggregator } from './telemetry/TelemetryAggregator';
import { EventSource, PlatformSink } from './types';
import type { PlatformTelemetryReader } from './telemetry/telemetryReader';
import type { PlatformAuditReader } from './audit/auditReader';

/** What the platform backend hands the hub once its stores are ready. */
export interface PlatformLocalServices {
  sink: PlatformSink;
  source: EventSource;
  telemetryReader?: PlatformTelemetryReader;
  auditReader?: PlatformAuditReader;
}

/** Rejects after `timeoutMs` with `message` unless `promise` settles first. */
function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  message: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The process-wide meeting point of the platform plumbing: the schema registry, the
 * Prometheus registry (one exposition for every plugin in this backend), the telemetry
 * aggregator, and the platform backend's sink and event source once it has started.
 */
export class PlatformHub {
  readonly metrics = new Registry();
  readonly telemetry: TelemetryAggregator;
  private local?: PlatformLocalServices;
  private readonly waiters: Array<(local: PlatformLocalServices) => void> = [];

  constructor(
    readonly registry: EventSchemaRegistry,
    options: {
      onTelemetryError?: (error: unknown) => void;
      processMetrics?: boolean;
    } = {},
  ) {
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.metrics });
    this.telemetry = new TelemetryAggregator({
      metrics: this.metrics,
      sink: () => this.sink(),
      onError: options.onTelemetryError,
    });
  }

  /** Called by the platform backend when its stores are ready. */
  attach(local: PlatformLocalServices) {
    this.local = local;
    for (const resolve of this.waiters.splice(0)) resolve(local);
  }

  private waitForLocal(): Promise<PlatformLocalServices> {
    if (this.local) return Promise.resolve(this.local);
    return new Promise(resolve => this.waiters.push(resolve));
  }

  /** The sink if the platform backend runs in this process and has started, else undefined. */
  async sink(): Promise<PlatformSink | undefined> {
    return this.local?.sink;
  }

  /**
   * Waits for the sink (for callers that must not drop data, like the auditor), at most
   * `timeoutMs`: a backend without the platform plugin fails with a clear error, not a hang.
   */
  async waitForSink(
    options: { timeoutMs?: number; caller?: string } = {},
  ): Promise<PlatformSink> {
    const local = await withTimeout(
      this.waitForLocal(),
      options.timeoutMs ?? 30_000,
      `The platform backend (@internal/plugin-platform-backend) has not started in this process within ${
        options.timeoutMs ?? 30_000
      } ms, so ${
        options.caller ?? 'this plugin'
      } cannot write to the platform audit/event sink. Add the platform backend to this backend, or leave the plugin out of platform.audit.auditorPlugins.`,
    );
    return local.sink;
  }

  /** Waits (bounded) for the platform backend's telemetry reader. */
  async waitForTelemetryReader(
    options: { timeoutMs?: number; caller?: string } = {},
  ): Promise<PlatformTelemetryReader> {
    return this.waitForReader(
      'telemetryReader',
      'read platform telemetry',
      options,
    );
  }

  /** Waits (bounded) for the platform backend's audit reader. */
  async waitForAuditReader(
    options: { timeoutMs?: number; caller?: string } = {},
  ): Promise<PlatformAuditReader> {
    return this.waitForReader(
      'auditReader',
      'read the platform audit store',
      options,
    );
  }

  private async waitForReader<K extends 'telemetryReader' | 'auditReader'>(
    key: K,
    what: string,
    options: { timeoutMs?: number; caller?: string },
  ): Promise<NonNullable<PlatformLocalServices[K]>> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const local = await withTimeout(
      this.waitForLocal(),
      timeoutMs,
      `The platform backend (@internal/plugin-platform-backend) has not started in this process within ${timeoutMs} ms, so ${
        options.caller ?? 'this plugin'
      } cannot ${what}. Add the platform backend to this backend.`,
    );
    const reader = local[key];
    if (!reader) {
      throw new Error(
        `The platform backend in this process provides no ${
          key === 'auditReader' ? 'audit' : 'telemetry'
        } reader`,
      );
    }
    return reader as NonNullable<PlatformLocalServices[K]>;
  }

  async source(): Promise<EventSource | undefined> {
    return this.local?.source;
  }
}

/** Root-scoped platform hub; its default factory needs no wiring. */
export const platformHubServiceRef = createServiceRef<PlatformHub>({
  id: 'platform.hub',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        lifecycle: coreServices.rootLifecycle,
        logger: coreServices.rootLogger,
      },
      factory({ lifecycle, logger }) {
        const hub = new PlatformHub(EventSchemaRegistry.fromPackage(), {
          onTelemetryError: error =>
            logger.warn(`Telemetry flush failed, will retry: ${error}`),
        });
        hub.telemetry.start();
        lifecycle.addShutdownHook(() => hub.telemetry.stop());
        return hub;
      },
    }),
});
