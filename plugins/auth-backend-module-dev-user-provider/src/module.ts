import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  OrgLocations,
  TrustedOrgDirectory,
} from '@internal/plugin-catalog-backend-module-org-trust';
import { devUserAuthenticator } from './devUserAuthenticator';
import { devUserSignInRefusal } from './devUserSignInGuard';
import { toUserRef, trustedCatalogSignIn } from './trustedSignIn';

/**
 * Registers the `dev-user` sign-in provider (sign in as any user in the catalog), but only when
 * `devUserSignInRefusal` allows it; otherwise it registers nothing and says why.
 */
export const authModuleDevUserProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'dev-user-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
      },
      async init({ providers, config, logger, catalog, auth }) {
        const refusal = devUserSignInRefusal({
          nodeEnv: process.env.NODE_ENV,
          providerConfig: config.getOptionalConfig('auth.providers.dev-user'),
        });
        if (refusal) {
          logger.warn(`Not registering the dev-user sign-in: ${refusal}`);
          return;
        }
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
            signInResolver: trustedCatalogSignIn(
              TrustedOrgDirectory.fromCatalog({
                catalog,
                auth,
                orgLocations: OrgLocations.fromConfig(config),
              }),
            ),
          }),
        });
      },
    });
  },
});
