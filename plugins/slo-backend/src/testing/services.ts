// Test-only service factories shared by the plugin tests (never imported by production code).
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { exportJobsReaderServiceRef } from '@internal/plugin-exports-node';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { platformTelemetryReaderServiceRef } from '@internal/plugin-platform-node';

/** Records scheduled tasks; the test runs the SLO evaluation itself, when it wants to. */
export function manualScheduler(tasks: Map<string, () => Promise<void>>) {
  return createServiceFactory({
    service: coreServices.scheduler,
    deps: {},
    factory: () =>
      ({
        async scheduleTask(task: {
          id: string;
          fn: (signal: AbortSignal) => Promise<void>;
        }) {
          tasks.set(task.id, () => task.fn(new AbortController().signal));
        },
      } as any),
  });
}

/** No platform backend in the test: a telemetry reader with no minutes. */
export const emptyTelemetryReader = createServiceFactory({
  service: platformTelemetryReaderServiceRef,
  deps: {},
  factory: () => ({
    bucketBoundsMs: LATENCY_BUCKETS_MS,
    requestMinutes: async () => [],
    pageLoadMinutes: async () => [],
  }),
});

/** No exports backend in the test: an export jobs reader with no jobs. */
export const noExportJobs = createServiceFactory({
  service: exportJobsReaderServiceRef,
  deps: {},
  factory: () => ({
    finishedJobs: async () => [],
    completionMinutes: async () => [],
    queue: async () => ({
      queued: 0,
      running: 0,
      oldestQueuedAgeSeconds: null,
      at: new Date(),
    }),
    storedBytesByRegion: async () => [],
  }),
});
