import { Entity, stringifyEntityRef } from '@backstage/catalog-model';

/**
 * Names the service principals a Group, or a Component or Resource (for its owner), calls the
 * platform as, comma separated: a static token's `subject` (e.g. `portal-api-token`) or a
 * backend plugin's `plugin:<id>`. Honoured only on entities from the organisation's catalog
 * locations (in this portal: the Groups of catalog/org-groups.yaml).
 */
export const SERVICE_PRINCIPAL_ANNOTATION = 'platform.portal/service-principal';

const SERVICE_PREFIX = 'service:';
const OWNED_KINDS = new Set(['component', 'resource']);

/** One claim of a service principal and what became of it. */
export interface ServicePrincipalClaim {
  /** `service:<subject>`, as request telemetry records the caller. */
  service: string;
  entity: string;
  /** The group itself, or the entity owner's group ref. */
  team: string;
  status: 'mapped' | 'untrusted' | 'conflict';
  detail: string;
}

export interface ServicePrincipalMap {
  /** The team and entity a `service:<subject>` caller counts for; absent when unmapped. */
  teamOf(service: string): { team: string; entity: string } | undefined;
  claims: ServicePrincipalClaim[];
}

function ownerRef(owner: string): string {
  const t = owner.trim().toLocaleLowerCase('en-US');
  const ref = t.startsWith('group:') ? t.slice(6) : t;
  return `group:${ref.includes('/') ? ref : `default/${ref}`}`;
}

/**
 * Maps service principals to the teams owning the catalog entities that claim them. A claim
 * counts only when `trusted(entity)` (the entity came from an organisation location): an entity
 * anyone registered could otherwise claim another team's token and move its calls. A principal
 * claimed by trusted entities of two teams maps to neither.
 */
export function mapServicePrincipals(
  entities: Entity[],
  trusted: (entity: Entity) => boolean,
): ServicePrincipalMap {
  const claims: ServicePrincipalClaim[] = [];
  for (const e of entities) {
    const kind = e.kind.toLocaleLowerCase('en-US');
    const value = e.metadata.annotations?.[SERVICE_PRINCIPAL_ANNOTATION];
    if (!value) continue;
    let owner: string | undefined;
    if (kind === 'group') owner = stringifyEntityRef(e);
    else if (OWNED_KINDS.has(kind) && typeof e.spec?.owner === 'string')
      owner = e.spec.owner;
    if (!owner) continue;
    const isTrusted = trusted(e);
    for (const subject of value.split(',').map(s => s.trim())) {
      if (!subject) continue;
      claims.push({
        service: `${SERVICE_PREFIX}${subject}`,
        entity: stringifyEntityRef(e),
        team: ownerRef(owner),
        status: isTrusted ? 'mapped' : 'untrusted',
        detail: isTrusted
          ? `${SERVICE_PRINCIPAL_ANNOTATION} on ${stringifyEntityRef(e)}`
          : `ignored: ${stringifyEntityRef(
              e,
            )} does not come from an organisation catalog location (catalog.orgLocations)`,
      });
    }
  }
  const byService = new Map<string, { team: string; entity: string }>();
  const services = new Set(
    claims.filter(c => c.status === 'mapped').map(c => c.service),
  );
  for (const service of services) {
    const mine = claims.filter(
      c => c.service === service && c.status === 'mapped',
    );
    const teams = new Set(mine.map(c => c.team));
    if (teams.size === 1) {
      byService.set(service, { team: mine[0].team, entity: mine[0].entity });
      continue;
    }
    for (const c of mine) {
      c.status = 'conflict';
      c.detail = `ignored: ${service} is claimed by entities of ${[
        ...teams,
      ].join(', ')}`;
    }
  }
  return { teamOf: s => byService.get(s), claims };
}
