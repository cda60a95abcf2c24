import { PortalUserAttributes } from '@internal/plugin-authz-node';
import { matchingPortalUsers } from './portalUsers';

const attributes: PortalUserAttributes = {
  teams: ['group:default/sre'],
  accountAccess: [],
  dataClasses: [],
};

/** A directory that knows every ref but `unknown`, recording what it was asked to resolve. */
function fakeDirectory(unknown: string[] = []) {
  const asked: string[][] = [];
  return {
    asked,
    load: async (refs: string[]) => {
      asked.push(refs);
      return new Map(
        refs.filter(r => !unknown.includes(r)).map(r => [r, attributes]),
      );
    },
  };
}

const users = Array.from({ length: 50 }, (_, i) => ({
  ref: `user:default/u${String(i).padStart(2, '0')}`,
}));

describe('matchingPortalUsers', () => {
  it('resolves only a page of `limit` users, not the whole catalog', async () => {
    const directory = fakeDirectory();
    const found = await matchingPortalUsers(users, directory, undefined, 3);
    expect(found.map(u => u.ref)).toEqual([
      'user:default/u00',
      'user:default/u01',
      'user:default/u02',
    ]);
    expect(directory.asked).toEqual([
      ['user:default/u00', 'user:default/u01', 'user:default/u02'],
    ]);
  });

  it('pages on past users the directory does not know until `limit` are found', async () => {
    const directory = fakeDirectory(['user:default/u00', 'user:default/u02']);
    const found = await matchingPortalUsers(users, directory, undefined, 2);
    expect(found.map(u => u.ref)).toEqual([
      'user:default/u01',
      'user:default/u03',
    ]);
    expect(directory.asked).toHaveLength(2);
  });

  it('matches the ref and the display name case-insensitively', async () => {
    const mixed = [
      { ref: 'user:default/Sam.Ortiz' },
      { ref: 'user:default/ana', displayName: 'Ana LIMA' },
      { ref: 'user:default/bo' },
    ];
    const byRef = await matchingPortalUsers(mixed, fakeDirectory(), 'SAM.', 10);
    expect(byRef).toEqual([{ ref: 'user:default/Sam.Ortiz', ...attributes }]);
    const byName = await matchingPortalUsers(
      mixed,
      fakeDirectory(),
      'lima',
      10,
    );
    expect(byName).toEqual([
      { ref: 'user:default/ana', displayName: 'Ana LIMA', ...attributes },
    ]);
  });
});
