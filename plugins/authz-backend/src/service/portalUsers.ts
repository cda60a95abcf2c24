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
      const needle = q?.trim().toLocaleLowerCase('en-US') ?? '';
      const candidates = items
        .map(entity => ({
          ref: stringifyEntityRef(entity),
          displayName: (
            entity.spec?.profile as { displayName?: string } | undefined
          )?.displayName,
        }))
        .filter(
          u =>
            !needle ||
            u.ref.includes(needle) ||
            u.displayName?.toLocaleLowerCase('en-US').includes(needle),
        )
        .sort((a, b) => a.ref.localeCompare(b.ref));
      const known = await directory.load(candidates.map(u => u.ref));
      return candidates
        .filter(u => known.has(u.ref))
        .slice(0, limit)
        .map(u => ({
          ref: u.ref,
          ...(u.displayName ? { displayName: u.displayName } : {}),
          ...known.get(u.ref)!,
        }));
    },
  };
}
