import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { PortalPermissionPolicy } from './PortalPermissionPolicy';
import { ACCOUNT_ACCESS_ANNOTATION, parseAccountAccess } from './roles';

const GROUP_CACHE_MS = 60_000;

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
      },
      async init({ policy, catalog, auth, userInfo }) {
        const groupAccess = new Map<
          string,
          { value: 'all' | Set<string>; at: number }
        >();
        const accessOfGroup = async (ref: string) => {
          const cached = groupAccess.get(ref);
          if (cached && Date.now() - cached.at < GROUP_CACHE_MS)
            return cached.value;
          const entity = await catalog.getEntityByRef(ref, {
            credentials: await auth.getOwnServiceCredentials(),
          });
          const value = parseAccountAccess(
            entity?.metadata.annotations?.[ACCOUNT_ACCESS_ANNOTATION],
          );
          groupAccess.set(ref, { value, at: Date.now() });
          return value;
        };
        policy.setPolicy(
          new PortalPermissionPolicy({
            ownershipRefs: async user =>
              (await userInfo.getUserInfo(user.credentials))
                .ownershipEntityRefs,
            accountAccess: async groupRefs => {
              const granted = new Set<string>();
              for (const ref of groupRefs) {
                const access = await accessOfGroup(ref);
                if (access === 'all') return 'all';
                access.forEach(id => granted.add(id));
              }
              return granted;
            },
          }),
        );
      },
    });
  },
});
