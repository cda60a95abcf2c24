import { BackstageUserInfo } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { TrustedOrgDirectory } from '@internal/plugin-catalog-backend-module-org-trust';

/**
 * The ownership refs sign-in puts in a user's token: Backstage's default resolver (the user and
 * every group it has a `memberOf` relation to).
 */
export function defaultOwnershipEntityRefs(user: Entity): string[] {
  const groups =
    user.relations
      ?.filter(
        r => r.type === RELATION_MEMBER_OF && r.targetRef.startsWith('group:'),
      )
      .map(r => r.targetRef) ?? [];
  return [...new Set([stringifyEntityRef(user), ...groups])];
}

/**
 * The user info sign-in would issue for this user now (the portal's trusted sign-in: the user
 * must be an organisation User entity, and only organisation teams count), or undefined when
 * sign-in would refuse them.
 */
export async function currentOrgUserInfo(
  directory: TrustedOrgDirectory,
  userEntityRef: string,
): Promise<BackstageUserInfo | undefined> {
  const entity = await directory.orgEntity(userEntityRef);
  if (!entity || entity.kind.toLocaleLowerCase('en-US') !== 'user') {
    return undefined;
  }
  const sub = stringifyEntityRef(entity);
  return {
    userEntityRef: sub,
    ownershipEntityRefs: await directory.trustedOwnershipRefs(
      sub,
      defaultOwnershipEntityRefs(entity),
    ),
  };
}
