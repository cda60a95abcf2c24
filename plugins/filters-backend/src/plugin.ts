import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  filtersAccountActPermission,
  filtersDataClassReadPermission,
  filtersDatasetReadPermission,
} from '@internal/plugin-filters-common';
import { filterEngineServiceRef } from '@internal/plugin-filters-node';
import { requestTelemetryServiceRef } from '@internal/plugin-platform-node';
import knexFactory from 'knex';
import { createRouter } from './service/router';
import { AccountDirectory } from './service/AccountDirectory';
import { readRateLimit } from './service/rateLimit';
import {
  accountInRule,
  dataClassInRule,
  filtersAccountResourceRef,
  filtersDataClassResourceRef,
} from '@internal/plugin-filters-node';

/**
 * The filters backend plugin: `/api/filters/v1/datasets|schema|accounts|query|count|explain`.
 */
export const filtersPlugin = createBackendPlugin({
  pluginId: 'filters',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        lifecycle: coreServices.lifecycle,
        filters: filterEngineServiceRef,
        telemetry: requestTelemetryServiceRef,
      },
      async init({
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        logger,
        config,
        lifecycle,
        filters,
        telemetry,
      }) {
        // Resource permissions are answered with conditions by the portal policy; these
        // resource types let the permission backend apply them (apply-conditions endpoint).
        permissionsRegistry.addPermissions([filtersDatasetReadPermission]);
        permissionsRegistry.addResourceType({
          resourceRef: filtersAccountResourceRef,
          permissions: [filtersAccountActPermission],
          rules: [accountInRule],
          getResources: async refs => refs.map(id => ({ id })),
        });
        permissionsRegistry.addResourceType({
          resourceRef: filtersDataClassResourceRef,
          permissions: [filtersDataClassReadPermission],
          rules: [dataClassInRule],
          getResources: async refs => refs.map(name => ({ name })),
        });
        logger.info(
          `Filter engine serving datasets: ${
            filters.engine
              .listDatasets()
              .map(d => d.id)
              .join(', ') || '(none configured)'
          }`,
        );
        // Account search (pickers) reads the product database's accounts table.
        const product = config.getOptionalConfig(
          'platform.productDatabase.connection',
        );
        const accounts = product
          ? new AccountDirectory(
              knexFactory({
                client: 'pg',
                connection: {
                  host: product.getString('host'),
                  port: Number(product.get('port')),
                  user: product.getString('user'),
                  password: product.getString('password'),
                  database: product.getString('database'),
                  statement_timeout: 5000,
                },
                pool: { min: 0, max: 2 },
              }),
            )
          : undefined;
        if (accounts) lifecycle.addShutdownHook(() => accounts.close());
        httpRouter.use(
          await createRouter({
            engine: filters.engine,
            access: filters.access,
            accounts,
            httpAuth,
            permissions,
            auditor,
            logger,
            rateLimit: readRateLimit(config),
            telemetry: telemetry.middleware(),
          }),
        );
      },
    });
  },
});
