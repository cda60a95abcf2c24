import {
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { AuthorizePermissionRequest } from '@backstage/plugin-permission-common';
import type { Request } from 'express';
import { authorizeOrThrow } from './authorizeOrThrow';

/** A signed-in user's or a service's credentials. */
export type CallerCredentials = BackstageCredentials<
  BackstageUserPrincipal | BackstageServicePrincipal
>;

/** Who calls a route, and whether they may. */
export interface RequestAuthorizer {
  /** The caller's credentials (users and services; 401 without). */
  credentialsOf(req: object): Promise<CallerCredentials>;
  /** The caller's credentials once every request is allowed (403 naming the denied ones). */
  authorize(
    req: object,
    requests: AuthorizePermissionRequest[],
  ): Promise<CallerCredentials>;
}

/**
 * The authenticate-then-authorize step of a plugin's routes. `req` is `object` because the
 * typed OpenAPI router's requests carry generated param/query types; httpAuth reads headers only.
 */
export function requestAuthorizer(
  httpAuth: HttpAuthService,
  permissions: PermissionsService,
): RequestAuthorizer {
  const credentialsOf = (req: object): Promise<CallerCredentials> =>
    httpAuth.credentials(req as Request, { allow: ['user', 'service'] });
  return {
    credentialsOf,
    async authorize(req, requests) {
      const credentials = await credentialsOf(req);
      await authorizeOrThrow(permissions, credentials, requests);
      return credentials;
    },
  };
}
