import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  otherPluginDatabase,
  platformRetentionExtensionPoint,
} from '@internal/plugin-platform-node';
import { authzRetentionTargets } from './authzRetentionTargets';

/**
 * Adds the authz backend's decision log and measurements to the platform's scheduled retention
 * purge (each run audited and reported by the platform). A module of the `platform` plugin:
 * the purge reaches the authz plugin's database the way Backstage opens it for that plugin.
 */
export const platformModuleAuthzRetention = createBackendModule({
  pluginId: 'platform',
  moduleId: 'authz-retention',
  register(env) {
    env.registerInit({
      deps: {
        retention: platformRetentionExtensionPoint,
        config: coreServices.rootConfig,
        rootLogger: coreServices.rootLogger,
        rootLifecycle: coreServices.rootLifecycle,
      },
      async init({ retention, ...deps }) {
        const authzDatabase = otherPluginDatabase(
          deps,
          'authz',
          'authz-retention',
          knex => knex,
        );
        retention.addRetentionTarget(...authzRetentionTargets(authzDatabase));
      },
    });
  },
});
