import { LRUCache } from 'lru-cache';
import {
  GroupAnnotations,
  teamsAccountAccess,
  teamsDataClasses,
} from './teamGrants';

/** A portal (Backstage) user as the policy sees it (`input.subject` besides type and id). */
export interface PortalUserAttributes {
  /** The organisation's teams (Group refs) the user is a member of. */
  teams: string[];
  /** Customer accounts the teams may act for (`platform.portal/account-access`). */
  accountAccess: '*' | string[];
  /** Data classes beyond `public` the teams hold (`platform.portal/data-classes`). */
  dataClasses: string[];
}

/** Where portal users' attributes come from (the catalog, or a fake in tests). */
export interface PortalUserSource {
  /** Attributes of each known user entity ref; unknown refs are absent from the map. */
  load(userRefs: string[]): Promise<Map<string, PortalUserAttributes>>;
  /** Forget cached attributes. */
  invalidate(): void;
}

/** The parts of a catalog entity read here (structurally a `@backstage/catalog-model` Entity). */
interface OrgEntity {
  kind: string;
  relations?: { type: string; targetRef: string }[];
}

/**
 * What the organisation's own catalog locations vouch for;
 * `TrustedOrgDirectory` (catalog-backend-module-org-trust) implements it.
 */
export interface OrgDirectory extends GroupAnnotations {
  orgEntity(entityRef: string): Promise<OrgEntity | undefined>;
  trustedOwnershipRefs(
    userEntityRef: string,
    ownershipEntityRefs: string[],
  ): Promise<string[]>;
}

/**
 * Portal users from the catalog, resolved as sign-in does: the user entity's `memberOf`
 * relations (Backstage's default ownership refs), reduced to the Groups the organisation's
 * catalog locations define, and the account access and data classes those teams' annotations
 * grant. A user entity that is not the organisation's is unknown. Cached with a TTL (the
 * catalog has no cheap change signal); the directory caches each entity too.
 */
export class PortalUserDirectory implements PortalUserSource {
  private readonly cache: LRUCache<string, PortalUserAttributes | 'unknown'>;
  /** Bumped by `invalidate()`: a load that started before it must not cache what it read. */
  private generation = 0;

  constructor(
    private readonly directory: OrgDirectory,
    options: { maxEntries?: number; ttlMs?: number } = {},
  ) {
    this.cache = new LRUCache({
      max: options.maxEntries ?? 10_000,
      ttl: options.ttlMs ?? 30_000,
    });
  }

  async load(userRefs: string[]): Promise<Map<string, PortalUserAttributes>> {
    const found = new Map<string, PortalUserAttributes>();
    const missing: string[] = [];
    for (const ref of new Set(userRefs)) {
      const cached = this.cache.get(ref);
      if (cached === undefined) missing.push(ref);
      else if (cached !== 'unknown') found.set(ref, cached);
    }
    const generation = this.generation;
    const resolved = await Promise.allSettled(
      missing.map(ref => this.resolve(ref)),
    );
    const cacheable = generation === this.generation;
    let failure: unknown;
    missing.forEach((ref, i) => {
      const result = resolved[i];
      if (result.status === 'rejected') {
        failure ??= result.reason;
        return;
      }
      const attributes = result.value;
      if (cacheable) this.cache.set(ref, attributes ?? 'unknown');
      if (attributes) found.set(ref, attributes);
    });
    // the users that did resolve stay cached: a retry of the batch asks only for the others
    if (failure !== undefined) throw failure;
    return found;
  }

  invalidate(): void {
    this.generation++;
    this.cache.clear();
  }

  private async resolve(
    userRef: string,
  ): Promise<PortalUserAttributes | undefined> {
    const user = await this.directory.orgEntity(userRef);
    if (!user || user.kind.toLocaleLowerCase('en-US') !== 'user') {
      return undefined;
    }
    const memberOf = (user.relations ?? [])
      .filter(r => r.type === 'memberOf' && r.targetRef.startsWith('group:'))
      .map(r => r.targetRef);
    const ownership = await this.directory.trustedOwnershipRefs(
      userRef,
      memberOf,
    );
    const teams = ownership.filter(ref => ref.startsWith('group:'));
    const [access, classes] = await Promise.all([
      teamsAccountAccess(this.directory, teams),
      teamsDataClasses(this.directory, teams),
    ]);
    return {
      teams,
      accountAccess: access === 'all' ? '*' : [...access].sort(),
      dataClasses: [...classes].sort(),
    };
  }
}
