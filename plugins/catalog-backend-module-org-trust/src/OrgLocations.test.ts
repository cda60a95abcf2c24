import { ConfigReader } from '@backstage/config';
import { OrgLocations } from './OrgLocations';
import { entity, FOREIGN_ORIGIN, ORG_FILE, ORG_ORIGIN } from './testEntities';

describe('OrgLocations', () => {
  const org = OrgLocations.fromConfig(
    new ConfigReader({
      catalog: {
        locations: [{ type: 'url', target: 'https://git.example/other.yaml' }],
        orgLocations: [{ type: 'file', target: 'catalog/org.yaml' }],
      },
    }),
  );

  it('resolves relative file targets the way the catalog does', () => {
    expect(org.list()).toEqual([ORG_ORIGIN]);
    expect(org.includes({ type: 'file', target: ORG_FILE })).toBe(true);
    expect(org.includes({ type: 'file', target: './catalog/org.yaml' })).toBe(
      true,
    );
  });

  it('trusts entities by their origin location only', () => {
    expect(org.isOrgEntity(entity('Group', 'sre', ORG_ORIGIN))).toBe(true);
    expect(org.isOrgEntity(entity('Group', 'evil', FOREIGN_ORIGIN))).toBe(
      false,
    );
    // catalog.locations is not consulted when orgLocations is set.
    expect(
      org.isOrgEntity(
        entity('Group', 'other', 'url:https://git.example/other.yaml'),
      ),
    ).toBe(false);
    const unannotated = entity('Group', 'bare', ORG_ORIGIN);
    unannotated.metadata.annotations = {};
    expect(org.isOrgEntity(unannotated)).toBe(false);
    expect(org.isOrgEntity(entity('Group', 'odd', 'not a ref'))).toBe(false);
  });

  it('defaults to the configured catalog.locations, and to nothing at all', () => {
    const fromLocations = OrgLocations.fromConfig(
      new ConfigReader({
        catalog: { locations: [{ type: 'file', target: 'catalog/org.yaml' }] },
      }),
    );
    expect(fromLocations.list()).toEqual([ORG_ORIGIN]);
    const none = OrgLocations.fromConfig(new ConfigReader({}));
    expect(none.isOrgEntity(entity('Group', 'sre', ORG_ORIGIN))).toBe(false);
  });
});
