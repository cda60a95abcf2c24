import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  LifecycleService,
} from '@backstage/backend-plugin-api';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { Knex } from 'knex';
import { DatabaseDecisionLatencyReader } from './DecisionLatencyReader';
import { DecisionLatencyReader } from './types';

/** The plugin id whose database holds `authz_decision_latency_minutes`. */
export const AUTHZ_PLUGIN_ID = 'authz';

/**
 * Reader of the permission service's decision latency histograms, for any plugin (the SLO
 * plugin's permission-check SLIs); its default factory needs no wiring. It opens the authz
 * plugin's own database the way Backstage does for that plugin (`backend.database`, with
 * `backend.database.plugin.authz` overrides and `pluginDivisionMode`), lazily at the first
 * read and once per process (shared by every consuming plugin), and never migrates it.
 */
export const authzDecisionLatencyReaderServiceRef =
  createServiceRef<DecisionLatencyReader>({
    id: 'authz.decision-latency-reader',
    scope: 'plugin',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          config: coreServices.rootConfig,
          rootLogger: coreServices.rootLogger,
          rootLifecycle: coreServices.rootLifecycle,
        },
        createRootContext({ config, rootLogger, rootLifecycle }) {
          let reader: Promise<DecisionLatencyReader> | undefined;
          const open = () => {
            reader ??= (async () => {
              const manager = DatabaseManager.fromConfig(config, {
                rootLogger,
                rootLifecycle,
                migrations: { skip: true },
              });
              const client: Knex = await manager
                .forPlugin(AUTHZ_PLUGIN_ID, {
                  logger: rootLogger.child({
                    service: 'authz-decision-latency-reader',
                  }),
                  // The manager registers closing the pool on the root lifecycle.
                  lifecycle: rootLifecycle as unknown as LifecycleService,
                })
                .getClient();
              return new DatabaseDecisionLatencyReader(client);
            })();
            // A failed open (database down at start) is retried at the next read.
            reader.catch(() => {
              reader = undefined;
            });
            return reader;
          };
          const shared: DecisionLatencyReader = {
            bucketBoundsMs: LATENCY_BUCKETS_MS,
            latencyMinutes: async q => (await open()).latencyMinutes(q),
          };
          return shared;
        },
        factory(_deps, shared) {
          return shared;
        },
      }),
  });
