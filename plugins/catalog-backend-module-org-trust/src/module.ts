import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { OrgEntityProcessor } from './OrgEntityProcessor';
import { OrgLocations } from './OrgLocations';

/** Refuses Group and User entities that do not come from `catalog.orgLocations`. */
export const catalogModuleOrgTrust = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'org-trust',
  register(reg) {
    reg.registerInit({
      deps: {
        processing: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ processing, config, logger }) {
        const orgLocations = OrgLocations.fromConfig(config);
        logger.info(
          `Group and User entities accepted only from ${
            orgLocations.list().join(', ') || '(no location)'
          }`,
        );
        processing.addProcessor(new OrgEntityProcessor(orgLocations));
      },
    });
  },
});
