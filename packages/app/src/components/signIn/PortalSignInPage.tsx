import { SignInPage } from '@backstage/core-components';
import {
  configApiRef,
  githubAuthApiRef,
  SignInPageProps,
  useApi,
} from '@backstage/core-plugin-api';
import { DevSignInPage } from './DevSignInPage';

/**
 * `portal.signIn.provider` picks the sign-in: `dev-user` (development: be any catalog user) or
 * `github` (production; see app-config.production.yaml).
 */
export const PortalSignInPage = (props: SignInPageProps) => {
  const configApi = useApi(configApiRef);
  const provider =
    configApi.getOptionalString('portal.signIn.provider') ?? 'dev-user';
  if (provider === 'github') {
    return (
      <SignInPage
        {...props}
        provider={{
          id: 'github-auth-provider',
          title: 'GitHub',
          message: 'Sign in with your company GitHub account',
          apiRef: githubAuthApiRef,
        }}
      />
    );
  }
  return <DevSignInPage {...props} />;
};
