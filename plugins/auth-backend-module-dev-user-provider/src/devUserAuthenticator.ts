import { createProxyAuthenticator } from '@backstage/plugin-auth-node';
import { AuthenticationError } from '@backstage/errors';
import { devUserSignInRefusal } from './devUserSignInGuard';

/** Header naming the catalog user (entity name or ref) to sign in as. */
export const DEV_USER_HEADER = 'x-portal-dev-user';

export interface DevUserResult {
  userEntityRef: string;
}

const USER_REF = /^(user:)?([a-z0-9-]+\/)?[a-z0-9][a-z0-9._-]*$/i;

/**
 * Signs in as the catalog user named in a request header. Development only: it trusts the
 * caller completely, so it refuses to start unless NODE_ENV=development and
 * `auth.providers.dev-user.enabled: true` (a second guard behind the module's own).
 */
export const devUserAuthenticator = createProxyAuthenticator<
  unknown,
  DevUserResult,
  undefined
>({
  defaultProfileTransform: async result => ({
    profile: { displayName: result.userEntityRef },
  }),
  initialize({ config }) {
    const refusal = devUserSignInRefusal({
      nodeEnv: process.env.NODE_ENV,
      providerConfig: config,
    });
    if (refusal) {
      throw new Error(
        `The dev-user sign-in provider is for development only: ${refusal}; configure a real provider (OIDC, GitHub) elsewhere`,
      );
    }
    return undefined;
  },
  async authenticate({ req }) {
    const raw = req.header(DEV_USER_HEADER);
    if (!raw) {
      throw new AuthenticationError(
        `Missing ${DEV_USER_HEADER} header naming a catalog user`,
      );
    }
    if (!USER_REF.test(raw)) {
      throw new AuthenticationError(
        `${DEV_USER_HEADER} must be a catalog user name such as "maya.cohen" or "user:default/maya.cohen"`,
      );
    }
    return { result: { userEntityRef: raw } };
  },
});
