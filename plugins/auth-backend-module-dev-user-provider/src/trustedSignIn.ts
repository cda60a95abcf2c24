import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { SignInResolver } from '@backstage/plugin-auth-node';
import { TrustedOrgDirectory } from '@internal/plugin-catalog-backend-module-org-trust';
import { DevUserResult } from './devUserAuthenticator';

export function toUserRef(userEntityRef: string) {
  const ref = parseEntityRef(userEntityRef, {
    defaultKind: 'user',
    defaultNamespace: 'default',
  });
  return { kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

/**
 * Signs in as an organisation user: unknown users are refused (the catalog is the source of
 * truth for who exists), users from a registered location are refused, and the token names
 * only the teams the organisation's locations define.
 */
export function trustedCatalogSignIn(
  directory: TrustedOrgDirectory,
): SignInResolver<DevUserResult> {
  return async ({ result }, ctx) => {
    const { entity } = await ctx.findCatalogUser({
      entityRef: toUserRef(result.userEntityRef),
    });
    const sub = stringifyEntityRef(entity);
    if (!(await directory.orgEntity(sub))) {
      throw new NotAllowedError(
        `${sub} is not defined by the organisation's catalog locations (catalog.orgLocations)`,
      );
    }
    const { ownershipEntityRefs } = await ctx.resolveOwnershipEntityRefs(
      entity,
    );
    const ent = await directory.trustedOwnershipRefs(sub, ownershipEntityRefs);
    return ctx.issueToken({ claims: { sub, ent } });
  };
}
