import { AuthService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  PortalUserAttributes,
  PortalUserDirectory,
} from '@internal/plugin-authz-node';
import {
  OrgLocations,
  TrustedOrgDirectory,
} from '@internal/plugin-catalog-backend-module-org-trust';

/** A catalog user as the playground's input builder lists it. */
export interface PortalUserSummary extends PortalUserAttributes {
  ref: string;
  displayName?: string;
}

/** Portal users from the catalog: the evaluator's subject source and the playground's list. */
export interface CatalogPortalUsers {
  directory: PortalUserDirectory;
  /** The organisation's users matching `q` (ref or display name), by ref. */
  list(q: string | undefined, limit: number): Promise<PortalUserSummary[]>;
}

/**
 * Reads users and teams with the authz plugin's own service credentials, through the same
 * TrustedOrgDirectory sign-in and the portal policy use: only the organisation's catalog
 * locations count.
 */
export function catalogPortalUsers(options: {
  catalog: CatalogService;
  auth: AuthService;
  orgLocations: OrgLocations;
}): CatalogPortalUsers {
  const { catalog, auth } = options;
  const directory = new PortalUserDirectory(
    TrustedOrgDirectory.fromCatalog(options),
  );
  return {
    directory,
    async list(q, limit) {
      const { items } = await catalog.getEntities(
        {
          filter: { kind: 'User' },
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'spec.profile.displayName',
          ],
        },
        { credentials: await auth.getOwnServiceCredentials() },
      );
      return matchingPortalUsers(
        items.map(entity => ({
          ref: stringifyEntityRef(entity),
          displayName: (
            entity.spec?.profile as { displayName?: string } | undefined
          )?.displayName,
        })),
        directory,
        q,
        limit,
      );
    },
  };
}

/**
 * The first `limit` users (by ref) matching `q` (ref or display name, case-insensitive) that
 * `directory` knows. Resolves them in pages of `limit`, so only about as many users as are
 * answered are resolved, not every user of the catalog.
 */
export async function matchingPortalUsers(
  users: { ref: string; displayName?: string }[],
  directory: Pick<PortalUserDirectory, 'load'>,
  q: string | undefined,
  limit: number,
): Promise<PortalUserSummary[]> {
  const needle = q?.trim().toLocaleLowerCase('en-US') ?? '';
  const candidates = users
    .filter(
      u =>
        !needle ||
        u.ref.toLocaleLowerCase('en-US').includes(needle) ||
        u.displayName?.toLocaleLowerCase('en-US').includes(needle),
    )
    .sort((a, b) => a.ref.localeCompare(b.ref));
  const found: PortalUserSummary[] = [];
  const pageSize = Math.max(1, limit);
  for (
    let start = 0;
    start < candidates.length && found.length < limit;
    start += pageSize
  ) {
    const page = candidates.slice(start, start + pageSize);
    const known = await directory.load(page.map(u => u.ref));
    for (const u of page) {
      const attributes = known.get(u.ref);
      if (!attributes || found.length >= limit) continue;
      found.push({
        ref: u.ref,
        ...(u.displayName ? { displayName: u.displayName } : {}),
        ...attributes,
      });
    }
  }
  return found;
}
