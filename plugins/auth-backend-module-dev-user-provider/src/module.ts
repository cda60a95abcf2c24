import { createBackendModule } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { devUserAuthenticator } from './devUserAuthenticator';

function toUserRef(userEntityRef: string) {
  const ref = parseEntityRef(userEntityRef, {
    defaultKind: 'user',
    defaultNamespace: 'default',
  });
  return { kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

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
            // The profile (name, e-mail) is the catalog user's own.
            async profileTransform(result, ctx) {
              const { entity } = await ctx.findCatalogUser({
                entityRef: toUserRef(result.userEntityRef),
              });
              const profile = (entity.spec?.profile ?? {}) as {
                displayName?: string;
                email?: string;
              };
              return {
                profile: {
                  displayName: profile.displayName ?? entity.metadata.name,
                  email: profile.email,
                },
              };
            },
            async signInResolver({ result }, ctx) {
              // Unknown users are refused: the catalog is the source of truth for who exists.
              return ctx.signInWithCatalogUser({
                entityRef: toUserRef(result.userEntityRef),
              });
            },
          }),
        });
      },
    });
  },
});
