import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  OrgLocations,
  TrustedOrgDirectory,
} from '@internal/plugin-catalog-backend-module-org-trust';
import { createPortalPolicy } from './createPortalPolicy';

export const permissionModulePortalPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'portal-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        config: coreServices.rootConfig,
      },
      async init({ policy, catalog, auth, userInfo, config }) {
        policy.setPolicy(
          createPortalPolicy({
            directory: TrustedOrgDirectory.fromCatalog({
              catalog,
              auth,
              orgLocations: OrgLocations.fromConfig(config),
            }),
            userInfo: user => userInfo.getUserInfo(user.credentials),
          }),
        );
      },
    });
  },
});
