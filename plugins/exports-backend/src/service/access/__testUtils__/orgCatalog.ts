import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { CatalogService } from '@backstage/plugin-catalog-node';

const ORG_FILE = '/org/catalog/org.yaml';

/** Config naming the organisation's catalog location the fake entities come from. */
export const orgConfig = (extra: object = {}) =>
  new ConfigReader({
    catalog: { orgLocations: [{ type: 'file', target: ORG_FILE }] },
    ...extra,
  });

const origin = (foreign?: boolean) => ({
  'backstage.io/managed-by-origin-location': foreign
    ? 'url:https://git.example/someone/catalog-info.yaml'
    : `file:${ORG_FILE}`,
});

/**
 * An in-memory catalog of the organisation's users and teams that tests change between a
 * request and the job's run; `unreachable` makes every read fail like a catalog that is down.
 */
export class OrgCatalog {
  private readonly entities = new Map<string, Entity>();
  /** true: every read fails; 'groups': only team reads fail (after the user was read). */
  unreachable: boolean | 'groups' = false;
  reads = 0;

  team(
    name: string,
    grants: { accountAccess?: string; dataClasses?: string },
  ): this {
    const annotations: Record<string, string> = origin();
    if (grants.accountAccess !== undefined) {
      annotations['platform.portal/account-access'] = grants.accountAccess;
    }
    if (grants.dataClasses !== undefined) {
      annotations['platform.portal/data-classes'] = grants.dataClasses;
    }
    return this.put({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name, namespace: 'default', annotations },
      spec: { type: 'team', children: [] },
    });
  }

  user(name: string, teams: string[], options: { foreign?: boolean } = {}) {
    return this.put({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: {
        name,
        namespace: 'default',
        annotations: origin(options.foreign),
      },
      spec: { memberOf: teams },
      relations: teams.map(team => ({
        type: 'memberOf',
        targetRef: `group:default/${team}`,
      })),
    });
  }

  remove(ref: string): this {
    this.entities.delete(ref);
    return this;
  }

  private put(entity: Entity): this {
    this.entities.set(stringifyEntityRef(entity), entity);
    return this;
  }

  readonly service: Pick<CatalogService, 'getEntityByRef'> = {
    getEntityByRef: async ref => {
      this.reads++;
      if (
        this.unreachable === true ||
        (this.unreachable === 'groups' && String(ref).startsWith('group:'))
      ) {
        throw new Error('connect ECONNREFUSED catalog');
      }
      return this.entities.get(String(ref).toLocaleLowerCase('en-US'));
    },
  };
}
