import {
  coreServices,
  createServiceFactory,
  SchedulerServiceTaskInvocationDefinition,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  Permission,
} from '@backstage/plugin-permission-common';
import {
  platformEventsServiceRef,
  requestTelemetryServiceRef,
} from '../services';
import { EventToEmit } from '../events/EventProducer';

/** Who asks, as the permission service sees it. */
export interface TestPrincipal {
  type: string;
  userEntityRef?: string;
  subject?: string;
}

/** One permission request as a rule sees it. */
export interface TestPermissionRequest {
  permission: Permission;
  resourceRef?: string;
}

/**
 * The permission service decided by a plain function: `true` allows. Conditional decisions are
 * not supported (tests that need them use the real policy module).
 */
export function permissionsByRule(
  allows: (request: TestPermissionRequest, principal: TestPrincipal) => boolean,
) {
  return createServiceFactory({
    service: coreServices.permissions,
    deps: {},
    factory: () => ({
      async authorize(requests: any[], options: any) {
        const principal: TestPrincipal = options.credentials.principal;
        return requests.map(request => ({
          result: allows(request, principal)
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
        }));
      },
      async authorizeConditional(): Promise<never> {
        throw new Error(
          'permissionsByRule: conditional decisions not supported',
        );
      },
    }),
  });
}

/** The request telemetry middleware as a no-op (the platform plugin is not under test). */
export const passthroughRequestTelemetry = createServiceFactory({
  service: requestTelemetryServiceRef,
  deps: {},
  factory: () => ({
    middleware: () => (_req: unknown, _res: unknown, next: () => void) =>
      next(),
  }),
});

/**
 * A scheduler that never runs tasks (`'never'`: tests call the work directly) or runs each task
 * once, at registration (`'once'`).
 */
export function testScheduler(runs: 'never' | 'once') {
  return createServiceFactory({
    service: coreServices.scheduler,
    deps: {},
    factory: () =>
      ({
        async scheduleTask(task: SchedulerServiceTaskInvocationDefinition) {
          if (runs === 'once') await task.fn(new AbortController().signal);
        },
      } as any),
  });
}

/** An emitted platform event, as `recordingEvents` keeps it. */
export interface RecordedEvent {
  name: string;
  properties: any;
  identity: any;
}

const recorded = ({ name, properties, identity }: EventToEmit) => ({
  name,
  properties,
  identity,
});

/**
 * The platform events service recording every `emit` and `emitMany` into `events` (always
 * accepted); `prepare`d events are recorded when their `written()` is called (their `insert()`
 * writes nothing: this fake has no outbox table).
 */
export function recordingEvents(events: RecordedEvent[]) {
  const accepted = () => ({ eventId: 'test', accepted: true } as const);
  return createServiceFactory({
    service: platformEventsServiceRef,
    deps: {},
    factory: () => ({
      async emit(name: string, properties: any, identity: any) {
        events.push({ name, properties, identity });
        return accepted();
      },
      async emitMany(batch: readonly EventToEmit[]) {
        events.push(...batch.map(recorded));
        return batch.map(accepted);
      },
      prepare(batch: readonly EventToEmit[]) {
        let written = false;
        return {
          results: batch.map(accepted),
          insert: () => undefined,
          written() {
            if (written) return;
            written = true;
            events.push(...batch.map(recorded));
          },
        };
      },
      subscribe() {},
      async flush() {
        return 0;
      },
    }),
  });
}
