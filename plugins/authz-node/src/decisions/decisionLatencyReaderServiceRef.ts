import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { otherPluginDatabase } from '@internal/plugin-platform-node';
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
          const open = otherPluginDatabase(
            { config, rootLogger, rootLifecycle },
            AUTHZ_PLUGIN_ID,
            'authz-decision-latency-reader',
            client => new DatabaseDecisionLatencyReader(client),
          );
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
