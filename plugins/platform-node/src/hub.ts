import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DataClass } from '@internal/plugin-platform-common';
import { EventSchemaRegistry } from './events/EventSchemaRegistry';
import { TelemetryAggregator } from './telemetry/TelemetryAggregator';
import { EventSource, PlatformSink } from './types';

/** Data a plugin outside the platform backend owns and the retention job must purge. */
export interface RetentionTarget {
  dataClass: DataClass;
  /** Shown in the retention report, e.g. `exports.files`. */
  name: string;
  /** Deletes everything of this class older than `cutoff`; returns how many items went. */
  purge(cutoff: Date): Promise<number>;
}

/**
 * The process-wide meeting point of the platform plumbing: the schema registry, the
 * Prometheus registry (one exposition for every plugin in this backend), the telemetry
 * aggregator, and the platform backend's sink and event source once it has started.
 */
export class PlatformHub {
  readonly metrics = new Registry();
  readonly telemetry: TelemetryAggregator;
  private local?: { sink: PlatformSink; source: EventSource };
  private readonly waiters: Array<(sink: PlatformSink) => void> = [];
  private readonly targets: RetentionTarget[] = [];

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
  attach(local: { sink: PlatformSink; source: EventSource }) {
    this.local = local;
    for (const resolve of this.waiters.splice(0)) resolve(local.sink);
  }

  /** The sink if the platform backend runs in this process and has started, else undefined. */
  async sink(): Promise<PlatformSink | undefined> {
    return this.local?.sink;
  }

  /** Waits for the sink (for callers that must not drop data, like the auditor). */
  waitForSink(): Promise<PlatformSink> {
    if (this.local) return Promise.resolve(this.local.sink);
    return new Promise(resolve => this.waiters.push(resolve));
  }

  async source(): Promise<EventSource | undefined> {
    return this.local?.source;
  }

  registerRetentionTarget(target: RetentionTarget) {
    this.targets.push(target);
  }

  retentionTargets(): RetentionTarget[] {
    return [...this.targets];
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
