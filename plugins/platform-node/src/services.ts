import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { Request, RequestHandler } from 'express';
import { EventIdentity } from '@internal/plugin-platform-common';
import { platformHubServiceRef } from './hub';
import {
  EmitOptions,
  EmitResult,
  EventProducer,
  EventToEmit,
  PreparedEvents,
} from './events/EventProducer';
import { OutboxRelay } from './events/OutboxRelay';
import { EventConsumer, EventConsumerOptions } from './events/EventConsumer';
import { migratePlatformNodeTables } from './events/migrations';
import {
  requestTelemetryMiddleware,
  TelemetryCaller,
} from './telemetry/requestTelemetryMiddleware';

/** The event contract as a plugin sees it. */
export interface PlatformEventsService {
  /**
   * Emits a server-side event at the point of action completion. Pass `transaction` to
   * commit the event atomically with the change it describes (transactional outbox).
   */
  emit(
    name: string,
    properties: Record<string, unknown>,
    identity: EventIdentity,
    options?: EmitOptions,
  ): Promise<EmitResult>;
  /** Emits several events as one outbox INSERT (optionally in the producer's `transaction`). */
  emitMany(
    events: readonly EventToEmit[],
    options?: Pick<EmitOptions, 'transaction'>,
  ): Promise<EmitResult[]>;
  /**
   * Builds and validates events for the caller to write in a statement of its own (their
   * `insert()` as a data-modifying CTE of a commit: one round trip, atomic with the change);
   * call `written()` after that commit.
   */
  prepare(events: readonly EventToEmit[]): PreparedEvents;
  /** Starts an at-least-once consumer of the platform event log, deduped on event_id. */
  subscribe(options: EventConsumerOptions): void;
  /** Delivers everything in this plugin's outbox now; returns the count (tests, shutdown). */
  flush(): Promise<number>;
}

/** Plugin-scoped: the outbox lives in the calling plugin's own database. */
export const platformEventsServiceRef = createServiceRef<PlatformEventsService>(
  {
    id: 'platform.events',
    scope: 'plugin',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          database: coreServices.database,
          logger: coreServices.logger,
          lifecycle: coreServices.lifecycle,
          plugin: coreServices.pluginMetadata,
          hub: platformHubServiceRef,
        },
        async factory({ database, logger, lifecycle, plugin, hub }) {
          const knex = await database.getClient();
          if (!database.migrations?.skip) await migratePlatformNodeTables(knex);
          const relay = new OutboxRelay({
            knex,
            sink: () => hub.sink(),
            logger,
          });
          const producer = new EventProducer({
            knex,
            producer: plugin.getId(),
            registry: hub.registry,
            metrics: hub.metrics,
            onWritten: () => relay.nudge(),
          });
          const consumers: EventConsumer[] = [];
          relay.start();
          lifecycle.addShutdownHook(async () => {
            await relay.stop();
            await relay.drain().catch(() => 0);
            await Promise.all(consumers.map(c => c.stop()));
          });
          return {
            emit: (name, properties, identity, options) =>
              producer.emit(name, properties, identity, options),
            emitMany: (events, options) => producer.emitMany(events, options),
            prepare: events => producer.prepare(events),
            subscribe(options) {
              const consumer = new EventConsumer({
                ...options,
                consumer: `${plugin.getId()}:${options.consumer}`,
                knex,
                source: () => hub.source(),
                logger: logger.child({ consumer: options.consumer }),
              });
              consumers.push(consumer);
              consumer.start();
            },
            flush: () => relay.flush(),
          };
        },
      }),
  },
);

/** Request telemetry for a plugin's router. */
export interface RequestTelemetryService {
  /** Mount first: `router.use(telemetry.middleware())`. */
  middleware(): RequestHandler;
}

export const requestTelemetryServiceRef =
  createServiceRef<RequestTelemetryService>({
    id: 'platform.request-telemetry',
    scope: 'plugin',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          hub: platformHubServiceRef,
          httpAuth: coreServices.httpAuth,
          userInfo: coreServices.userInfo,
          plugin: coreServices.pluginMetadata,
        },
        factory({ hub, httpAuth, userInfo, plugin }) {
          const identify = async (
            req: Request,
          ): Promise<TelemetryCaller | undefined> => {
            const credentials = await httpAuth.credentials(req as any, {
              allow: ['user', 'service'],
              allowLimitedAccess: true,
            });
            if (credentials.principal.type === 'service') {
              return {
                userRef: `service:${credentials.principal.subject}`,
                team: 'service',
              };
            }
            const info = await userInfo.getUserInfo(credentials);
            const team = info.ownershipEntityRefs.find(ref =>
              ref.startsWith('group:'),
            );
            return { userRef: info.userEntityRef, team: team ?? 'none' };
          };
          return {
            middleware: () =>
              requestTelemetryMiddleware({
                service: plugin.getId(),
                aggregator: hub.telemetry,
                identify,
              }),
          };
        },
      }),
  });
