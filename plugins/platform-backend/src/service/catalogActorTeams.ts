import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { ActorTeams } from './AuditActivityReader';

interface UserEntity {
  kind: string;
  metadata: { name: string; namespace?: string };
  relations?: Array<{ type: string; targetRef: string }>;
}

const CACHE_MS = 5 * 60_000;

/**
 * A user's team as request telemetry names it: the first Group the catalog says the user is a
 * member of (`memberOf`), `none` without one. Read through the catalog's REST API with the
 * platform plugin's own service credentials (the platform backend takes no catalog client
 * dependency); answers are kept for five minutes.
 */
export function catalogActorTeams(deps: {
  discovery: DiscoveryService;
  auth: AuthService;
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
    for (let i = 0; i < missing.length; i += 500) {
      const refs = missing.slice(i, i + 500);
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
          entityRefs: refs,
          fields: ['kind', 'metadata.name', 'metadata.namespace', 'relations'],
        }),
      });
      if (!res.ok) throw await ResponseError.fromResponse(res);
      const { items } = (await res.json()) as {
        items: Array<UserEntity | null>;
      };
      refs.forEach((ref, j) => {
        const entity = items[j];
        const team = entity
          ? entity.relations?.find(
              r => r.type === 'memberOf' && r.targetRef.startsWith('group:'),
            )?.targetRef ?? 'none'
          : undefined;
        cache.set(ref, { team, at: now() });
        if (team) out.set(ref, team);
      });
    }
    return out;
  };
}
