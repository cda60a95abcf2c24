import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizePermissionRequest,
  AuthorizeResult,
} from '@backstage/plugin-permission-common';

/**
 * Authorizes a batch of permission requests in one call and throws NotAllowedError (403)
 * naming every denied permission unless all are allowed. Conditional decisions count as
 * denied here: callers that can apply conditions use `authorizeConditional` themselves.
 */
export async function authorizeOrThrow(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
  requests: AuthorizePermissionRequest[],
): Promise<void> {
  if (requests.length === 0) return;
  const decisions = await permissions.authorize(requests, { credentials });
  const denied = requests
    .filter((_, i) => decisions[i]?.result !== AuthorizeResult.ALLOW)
    .map(r => r.permission.name);
  if (denied.length > 0) {
    throw new NotAllowedError(
      `Missing permission ${[...new Set(denied)].join(', ')}`,
    );
  }
}
