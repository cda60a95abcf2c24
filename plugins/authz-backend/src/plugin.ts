import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { authzPermissions } from '@internal/plugin-authz-common';
import { authzServiceRef } from '@internal/plugin-authz-node';
import { requestTelemetryServiceRef } from '@internal/plugin-platform-node';
import { createRouter } from './service/router';

/** The permission service: `/api/authz/v1/check` and `/v1/check/batch`. */
export const authzPlugin = createBackendPlugin({
  pluginId: 'authz',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        config: coreServices.rootConfig,
        authz: authzServiceRef,
        telemetry: requestTelemetryServiceRef,
      },
      async init({
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        config,
        authz,
        telemetry,
      }) {
        permissionsRegistry.addPermissions(authzPermissions);
        httpRouter.use(
          await createRouter({
            authz,
            httpAuth,
            permissions,
            auditor,
            productUserCallers: new Set(
              config.getOptionalStringArray('authz.productUserCallers') ?? [],
            ),
            telemetry: telemetry.middleware(),
          }),
        );
      },
    });
  },
});
