import { Config } from '@backstage/config';

/** Config flag that must be on (in a development-only config file) for the dev-user sign-in. */
export const DEV_USER_ENABLED_KEY = 'auth.providers.dev-user.enabled';

/**
 * Why the dev-user sign-in must not run, or `undefined` when it may. It trusts the caller
 * completely, so it needs both NODE_ENV=development (which `backstage-cli package start` sets)
 * and the explicit config flag; either alone is not enough.
 */
export function devUserSignInRefusal(options: {
  nodeEnv: string | undefined;
  /** The `auth.providers.dev-user` block, if configured. */
  providerConfig: Config | undefined;
}): string | undefined {
  if (options.nodeEnv !== 'development') {
    return `the dev-user sign-in runs only under NODE_ENV=development (NODE_ENV is ${
      options.nodeEnv === undefined ? 'unset' : `"${options.nodeEnv}"`
    })`;
  }
  // Only a literal YAML `true`, not a string from environment substitution.
  if (options.providerConfig?.getOptional('enabled') !== true) {
    return `the dev-user sign-in needs ${DEV_USER_ENABLED_KEY}: true (set in app-config.development.yaml)`;
  }
  return undefined;
}
