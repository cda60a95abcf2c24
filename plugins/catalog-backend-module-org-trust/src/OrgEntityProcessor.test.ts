import { OrgEntityProcessor } from './OrgEntityProcessor';
import { OrgLocations } from './OrgLocations';
import { entity, ORG_FILE, ORG_ORIGIN } from './testEntities';

const processor = new OrgEntityProcessor(
  new OrgLocations([{ type: 'file', target: ORG_FILE }]),
);
const orgLocation = { type: 'file', target: ORG_FILE };
const registered = {
  type: 'url',
  target: 'https://git.example/attacker/catalog-info.yaml',
};
const run = (kind: string, origin: typeof orgLocation) =>
  processor.preProcessEntity(
    entity(kind, 'x', ORG_ORIGIN),
    origin,
    () => {},
    origin,
  );

describe('OrgEntityProcessor', () => {
  it('refuses Group and User entities from a registered location, naming the rule', async () => {
    await expect(run('Group', registered)).rejects.toThrow(
      /group:default\/x: Group entities are accepted only from the organisation's catalog locations \(catalog.orgLocations\), not from url:https:\/\/git.example\/attacker/,
    );
    await expect(run('User', registered)).rejects.toThrow(/User entities/);
  });

  it('accepts them from the organisation location and other kinds from anywhere', async () => {
    await expect(run('Group', orgLocation)).resolves.toMatchObject({
      kind: 'Group',
    });
    await expect(run('User', orgLocation)).resolves.toBeDefined();
    await expect(run('Component', registered)).resolves.toMatchObject({
      kind: 'Component',
    });
  });
});
