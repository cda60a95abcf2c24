import { createBackendModule } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { devUserAuthenticator } from './devUserAuthenticator';

/** Registers the `dev-user` sign-in provider: sign in as any user in the catalog. */
export const authModuleDevUserProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'dev-user-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'dev-user',
          factory: createProxyAuthProviderFactory({
            authenticator: devUserAuthenticator,
            async signInResolver({ result }, ctx) {
              const ref = parseEntityRef(result.userEntityRef, {
                defaultKind: 'user',
                defaultNamespace: 'default',
              });
              // Unknown users are refused: the catalog is the source of truth for who exists.
              return ctx.signInWithCatalogUser({
                entityRef: { kind: ref.kind, namespace: ref.namespace, name: ref.name },
              });
            },
          }),
        });
      },
    });
  },
});
