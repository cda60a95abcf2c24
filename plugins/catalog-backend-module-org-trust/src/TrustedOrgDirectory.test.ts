import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { OrgLocations } from './OrgLocations';
import { TrustedOrgDirectory } from './TrustedOrgDirectory';
import { entity, FOREIGN_ORIGIN, ORG_FILE, ORG_ORIGIN } from './testEntities';

const ACCESS = 'platform.portal/account-access';
const entities: Entity[] = [
  entity('User', 'maya.cohen', ORG_ORIGIN),
  entity('Group', 'dashboards', ORG_ORIGIN, {
    annotations: { [ACCESS]: '*' },
  }),
  entity('Group', 'collaboration', ORG_ORIGIN),
  entity('Group', 'platform-services', ORG_ORIGIN),
  // Registered by someone: a team granting everything, and a user claiming admin membership.
  entity('Group', 'shadow', FOREIGN_ORIGIN, {
    annotations: { [ACCESS]: '*' },
    spec: { members: ['anna.berg'] },
  }),
  entity('User', 'mallory', FOREIGN_ORIGIN, {
    spec: { memberOf: ['platform-services'] },
  }),
];

function directory() {
  const lookups: string[] = [];
  const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));
  let now = 0;
  const dir = new TrustedOrgDirectory({
    orgLocations: new OrgLocations([{ type: 'file', target: ORG_FILE }]),
    lookup: async ref => {
      lookups.push(ref);
      return byRef.get(ref);
    },
    cacheMs: 1000,
    now: () => now,
  });
  return { dir, lookups, advance: (ms: number) => (now += ms) };
}

describe('TrustedOrgDirectory', () => {
  it('keeps organisation groups and drops groups from other locations', async () => {
    const { dir } = directory();
    expect(
      await dir.trustedOwnershipRefs('user:default/maya.cohen', [
        'user:default/maya.cohen',
        'group:default/dashboards',
        'group:default/shadow',
        'group:default/unknown',
      ]),
    ).toEqual(['user:default/maya.cohen', 'group:default/dashboards']);
  });

  it('trusts no membership of a user entity from another location', async () => {
    const { dir } = directory();
    expect(
      await dir.trustedOwnershipRefs('user:default/mallory', [
        'user:default/mallory',
        'group:default/platform-services',
      ]),
    ).toEqual(['user:default/mallory']);
    expect(
      await dir.trustedOwnershipRefs('user:development/guest', [
        'user:development/guest',
      ]),
    ).toEqual(['user:development/guest']);
  });

  it('reads team annotations from organisation groups only', async () => {
    const { dir } = directory();
    expect(
      await dir.orgGroupAnnotation(
        [
          'group:default/shadow',
          'group:default/collaboration',
          'group:default/dashboards',
        ],
        ACCESS,
      ),
    ).toEqual(['*']);
    expect(
      await dir.orgGroupAnnotation(['user:default/maya.cohen'], ACCESS),
    ).toEqual([]);
  });

  it('caches lookups, including misses, for the configured time', async () => {
    const { dir, lookups, advance } = directory();
    await dir.orgEntity('group:default/dashboards');
    await dir.orgEntity('Group:default/Dashboards');
    await dir.orgEntity('group:default/unknown');
    await dir.orgEntity('group:default/unknown');
    expect(lookups).toEqual([
      'group:default/dashboards',
      'group:default/unknown',
    ]);
    advance(1000);
    await dir.orgEntity('group:default/dashboards');
    expect(lookups).toHaveLength(3);
  });
});
