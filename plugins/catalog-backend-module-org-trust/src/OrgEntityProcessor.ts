import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { CatalogProcessor, LocationSpec } from '@backstage/plugin-catalog-node';
import { OrgLocations } from './OrgLocations';

/** Kinds that define who belongs to which team, and so who may do what in the portal. */
const ORG_KINDS = new Set(['group', 'user']);

/**
 * Refuses Group and User entities whose origin is not one of the organisation's locations:
 * a registered file could otherwise add its author to an admin team or grant a team
 * customer-account access. The catalog records the error on the entity and never stores it.
 */
export class OrgEntityProcessor implements CatalogProcessor {
  constructor(private readonly orgLocations: OrgLocations) {}

  getProcessorName(): string {
    return 'OrgEntityProcessor';
  }

  async preProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    _emit: unknown,
    originLocation: LocationSpec,
  ): Promise<Entity> {
    if (
      ORG_KINDS.has(entity.kind.toLocaleLowerCase('en-US')) &&
      !this.orgLocations.includes(originLocation)
    ) {
      throw new NotAllowedError(
        `${stringifyEntityRef(entity)}: ${
          entity.kind
        } entities are accepted only from the organisation's catalog locations (catalog.orgLocations), not from ${
          originLocation.type
        }:${originLocation.target}`,
      );
    }
    return entity;
  }
}
