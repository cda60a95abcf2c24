import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { filtersPermissions } from '@internal/plugin-filters-common';
import { filterEngineServiceRef } from '@internal/plugin-filters-node';
import { requestTelemetryServiceRef } from '@internal/plugin-platform-node';
import { createRouter } from './service/router';

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
        permissionsRegistry.addPermissions(filtersPermissions);
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
