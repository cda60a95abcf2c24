import {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { OrgLocations } from './OrgLocations';

/** Reads one entity from the catalog; `undefined` when there is none. */
export type EntityLookup = (entityRef: string) => Promise<Entity | undefined>;

const DEFAULT_CACHE_MS = 60_000;

/**
 * Users, teams and team annotations as the organisation's own catalog locations define them.
 * Entities from anywhere else (a location someone registered) are treated as absent, so they
 * can neither add members to a team nor grant a team anything.
 */
export class TrustedOrgDirectory {
  private readonly cache = new Map<
    string,
    { entity: Entity | undefined; at: number }
  >();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly options: {
      lookup: EntityLookup;
      orgLocations: OrgLocations;
      cacheMs?: number;
      now?: () => number;
    },
  ) {
    this.cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** A directory reading the catalog with the calling plugin's own service credentials. */
  static fromCatalog(options: {
    catalog: CatalogService;
    auth: AuthService;
    orgLocations: OrgLocations;
  }): TrustedOrgDirectory {
    const { catalog, auth, orgLocations } = options;
    let credentials: Promise<BackstageCredentials> | undefined;
    return new TrustedOrgDirectory({
      orgLocations,
      lookup: async ref =>
        catalog.getEntityByRef(ref, {
          credentials: await (credentials ??= auth.getOwnServiceCredentials()),
        }),
    });
  }

  /** The entity if it exists and came from an organisation location, else `undefined`. */
  async orgEntity(entityRef: string): Promise<Entity | undefined> {
    const ref = canonical(entityRef);
    if (!ref) return undefined;
    const cached = this.cache.get(ref);
    if (cached && this.now() - cached.at < this.cacheMs) return cached.entity;
    const found = await this.options.lookup(ref);
    const entity =
      found && this.options.orgLocations.isOrgEntity(found) ? found : undefined;
    this.cache.set(ref, { entity, at: this.now() });
    return entity;
  }

  /**
   * The user's ownership refs (from the sign-in token) reduced to what the organisation
   * vouches for: the user ref itself, plus the groups among `ownershipEntityRefs` that are
   * organisation Group entities — and none at all when the user entity is not one (its own
   * `memberOf` would then be the only source of those memberships).
   */
  async trustedOwnershipRefs(
    userEntityRef: string,
    ownershipEntityRefs: string[],
  ): Promise<string[]> {
    const userRef = canonical(userEntityRef) ?? userEntityRef;
    const user = await this.orgEntity(userRef);
    if (!user || user.kind.toLocaleLowerCase('en-US') !== 'user') {
      return [userRef];
    }
    const groups: string[] = [];
    for (const ref of new Set(ownershipEntityRefs.map(canonical))) {
      if (!ref?.startsWith('group:')) continue;
      const group = await this.orgEntity(ref);
      if (group && group.kind.toLocaleLowerCase('en-US') === 'group') {
        groups.push(ref);
      }
    }
    return [userRef, ...groups];
  }

  /** The value of `annotation` on each organisation Group among `groupRefs` that has it. */
  async orgGroupAnnotation(
    groupRefs: string[],
    annotation: string,
  ): Promise<string[]> {
    const values: string[] = [];
    for (const ref of groupRefs) {
      const group = await this.orgEntity(ref);
      const value = group?.metadata.annotations?.[annotation];
      if (group?.kind.toLocaleLowerCase('en-US') === 'group' && value) {
        values.push(value);
      }
    }
    return values;
  }
}

function canonical(entityRef: string): string | undefined {
  try {
    return stringifyEntityRef(parseEntityRef(entityRef)).toLocaleLowerCase(
      'en-US',
    );
  } catch {
    return undefined;
  }
}
