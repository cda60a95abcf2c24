import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { ActorTeams } from './AuditActivityReader';

const CACHE_MS = 5 * 60_000;

/**
 * A user's team as request telemetry names it (the signed-in user's first organisation group):
 * of the Groups the catalog says the user is a member of (`memberOf`), the first by ref that is
 * an organisation Group, `none` without one. Only entities from the organisation's own catalog
 * locations count (`isOrgEntity`): a registered Group listing a user as member, or a registered
 * User, cannot move anyone's activity to another team. Read through the catalog's REST API with
 * the platform plugin's own service credentials (the platform backend takes no catalog client
 * dependency); answers are kept for five minutes.
 */
export function catalogActorTeams(deps: {
  discovery: DiscoveryService;
  auth: AuthService;
  /** True for entities read from `catalog.orgLocations` (org-trust's `OrgLocations`). */
  isOrgEntity: (entity: Entity) => boolean;
  fetch?: typeof fetch;
  now?: () => number;
}): ActorTeams {
  const cache = new Map<string, { team: string | undefined; at: number }>();
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetch ?? fetch;
  return async userRefs => {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const ref of userRefs) {
      const hit = cache.get(ref);
      if (hit && now() - hit.at < CACHE_MS) {
        if (hit.team) out.set(ref, hit.team);
      } else {
        missing.push(ref);
      }
    }
    const byRefs = async (entityRefs: string[]) => {
      const base = await deps.discovery.getBaseUrl('catalog');
      const { token } = await deps.auth.getPluginRequestToken({
        onBehalfOf: await deps.auth.getOwnServiceCredentials(),
        targetPluginId: 'catalog',
      });
      const res = await doFetch(`${base}/entities/by-refs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          entityRefs,
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'metadata.annotations',
            'relations',
          ],
        }),
      });
      if (!res.ok) throw await ResponseError.fromResponse(res);
      const { items } = (await res.json()) as {
        items: Array<Entity | null>;
      };
      return items;
    };
    const isOrg = (entity: Entity | null | undefined, kind: string) =>
      !!entity &&
      entity.kind.toLocaleLowerCase('en-US') === kind &&
      deps.isOrgEntity(entity);
    for (let i = 0; i < missing.length; i += 500) {
      const refs = missing.slice(i, i + 500);
      const users = await byRefs(refs);
      const candidates = refs.map((_, j) =>
        isOrg(users[j], 'user')
          ? [
              ...new Set(
                (users[j]!.relations ?? [])
                  .filter(
                    r =>
                      r.type === 'memberOf' && r.targetRef.startsWith('group:'),
                  )
                  .map(r => r.targetRef),
              ),
            ].sort()
          : [],
      );
      const groupRefs = [...new Set(candidates.flat())];
      const orgGroups = new Set<string>();
      for (let k = 0; k < groupRefs.length; k += 500) {
        const chunk = groupRefs.slice(k, k + 500);
        (await byRefs(chunk)).forEach((group, g) => {
          if (isOrg(group, 'group')) orgGroups.add(chunk[g]);
        });
      }
      refs.forEach((ref, j) => {
        // Unknown users (no entity) stay unmapped; users outside the org files count as `none`.
        const team = users[j]
          ? candidates[j].find(g => orgGroups.has(g)) ?? 'none'
          : undefined;
        cache.set(ref, { team, at: now() });
        if (team) out.set(ref, team);
      });
    }
    return out;
  };
}
