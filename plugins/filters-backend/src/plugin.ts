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
import { createRouter } from './service/router';
import {
  accountInRule,
  dataClassInRule,
  filtersAccountResourceRef,
  filtersDataClassResourceRef,
} from '@internal/plugin-filters-node';

/**
 * The filters backend plugin: `/api/filters/v1/datasets|schema|query|count|explain`.
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
        httpRouter.use(
          await createRouter({
            engine: filters.engine,
            access: filters.access,
            httpAuth,
            permissions,
            auditor,
            telemetry: telemetry.middleware(),
          }),
        );
      },
    });
  },
});
