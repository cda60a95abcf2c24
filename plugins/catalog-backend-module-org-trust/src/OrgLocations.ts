import { resolve } from 'node:path';
import {
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
  parseLocationRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';

/** A catalog location as the catalog names it (`file` targets are absolute). */
export interface OrgLocation {
  type: string;
  target: string;
}

const normalize = ({ type, target }: OrgLocation): string =>
  `${type}:${type === 'file' ? resolve(target) : target}`;

/**
 * The organisation's own catalog locations (`catalog.orgLocations`, default every location in
 * `catalog.locations`). Whether an entity came from one is read from its
 * `backstage.io/managed-by-origin-location` annotation, which the catalog sets itself while
 * processing (a value written in the entity file is overwritten), so an entity cannot claim it.
 */
export class OrgLocations {
  private readonly refs: Set<string>;

  constructor(locations: OrgLocation[]) {
    this.refs = new Set(locations.map(normalize));
  }

  static fromConfig(config: Config): OrgLocations {
    const configured =
      config.getOptionalConfigArray('catalog.orgLocations') ??
      config.getOptionalConfigArray('catalog.locations') ??
      [];
    return new OrgLocations(
      configured.map(location => ({
        type: location.getString('type'),
        target: location.getString('target'),
      })),
    );
  }

  /** The locations, as `type:target` refs (for messages). */
  list(): string[] {
    return [...this.refs];
  }

  includes(location: OrgLocation): boolean {
    return this.refs.has(normalize(location));
  }

  /** True when the entity was read from one of the organisation's locations. */
  isOrgEntity(entity: Entity): boolean {
    const origin = entity.metadata.annotations?.[ANNOTATION_ORIGIN_LOCATION];
    if (!origin) return false;
    try {
      return this.includes(parseLocationRef(origin));
    } catch {
      return false;
    }
  }
}
