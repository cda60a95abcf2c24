import { OrgDirectory, PortalUserDirectory } from './PortalUserDirectory';

type Fake = {
  kind: string;
  relations?: { type: string; targetRef: string }[];
  annotations?: Record<string, string>;
};

const memberOf = (...groups: string[]) =>
  groups.map(targetRef => ({ type: 'memberOf', targetRef }));

// What the organisation's catalog locations define; anything else is not the organisation's.
const ORG: Record<string, Fake> = {
  'user:default/priya': {
    kind: 'User',
    relations: [
      ...memberOf('group:default/sre', 'group:default/shadow-team'),
      { type: 'ownerOf', targetRef: 'group:default/dashboards' },
    ],
  },
  'user:default/lena': {
    kind: 'User',
    relations: memberOf('group:default/dashboards', 'group:default/billing'),
  },
  'group:default/sre': {
    kind: 'Group',
    annotations: { 'platform.portal/data-classes': 'pii' },
  },
  'group:default/dashboards': {
    kind: 'Group',
    annotations: {
      'platform.portal/account-access': 'B2, a1',
      'platform.portal/data-classes': 'finance',
    },
  },
  'group:default/billing': {
    kind: 'Group',
    annotations: { 'platform.portal/account-access': 'c3' },
  },
};

function fakeDirectory(): OrgDirectory & { lookups: string[] } {
  const lookups: string[] = [];
  const orgEntity = async (ref: string) => {
    lookups.push(ref);
    return ORG[ref];
  };
  return {
    lookups,
    orgEntity,
    // only the organisation's Groups count (shadow-team is registered elsewhere)
    trustedOwnershipRefs: async (user, refs) => [
      user,
      ...refs.filter(ref => ORG[ref]?.kind === 'Group'),
    ],
    orgGroupAnnotation: async (refs, annotation) =>
      refs.flatMap(ref => ORG[ref]?.annotations?.[annotation] ?? []),
  };
}

describe('PortalUserDirectory', () => {
  it('resolves teams from memberOf (organisation groups only) and their grants', async () => {
    const users = new PortalUserDirectory(fakeDirectory());
    const loaded = await users.load([
      'user:default/priya',
      'user:default/lena',
      'user:default/nobody',
      'group:default/sre',
    ]);
    expect(Object.fromEntries(loaded)).toEqual({
      'user:default/priya': {
        teams: ['group:default/sre'],
        accountAccess: [],
        dataClasses: ['pii'],
      },
      'user:default/lena': {
        teams: ['group:default/dashboards', 'group:default/billing'],
        accountAccess: ['a1', 'b2', 'c3'],
        dataClasses: ['finance'],
      },
    });
  });

  it('caches known and unknown users until invalidated', async () => {
    const directory = fakeDirectory();
    const users = new PortalUserDirectory(directory);
    await users.load(['user:default/priya', 'user:default/nobody']);
    const first = directory.lookups.length;
    await users.load(['user:default/priya', 'user:default/nobody']);
    expect(directory.lookups.length).toBe(first);
    users.invalidate();
    await users.load(['user:default/priya']);
    expect(directory.lookups.length).toBe(first + 1);
  });

  it('does not cache what a load read before an invalidation that happened while it ran', async () => {
    const directory = fakeDirectory();
    let release!: () => void;
    const held = new Promise<void>(resolve => (release = resolve));
    const slow: OrgDirectory = {
      ...directory,
      orgEntity: async ref => {
        await held;
        return directory.orgEntity(ref);
      },
    };
    const users = new PortalUserDirectory(slow);
    const inFlight = users.load(['user:default/priya']);
    users.invalidate(); // the catalog changed while the load ran
    release();
    expect((await inFlight).has('user:default/priya')).toBe(true);
    const before = directory.lookups.length;
    await users.load(['user:default/priya']);
    expect(directory.lookups.length).toBe(before + 1); // read again, not served stale
  });

  it('keeps the users that resolved when another one fails, and rejects the load', async () => {
    const directory = fakeDirectory();
    const flaky: OrgDirectory = {
      ...directory,
      orgEntity: async ref => {
        if (ref === 'user:default/lena') throw new Error('catalog 503');
        return directory.orgEntity(ref);
      },
    };
    const users = new PortalUserDirectory(flaky);
    await expect(
      users.load(['user:default/priya', 'user:default/lena']),
    ).rejects.toThrow('catalog 503');
    const before = directory.lookups.length;
    expect((await users.load(['user:default/priya'])).size).toBe(1);
    expect(directory.lookups.length).toBe(before); // priya came from the cache
  });

  it('forgets a user after the TTL', async () => {
    const directory = fakeDirectory();
    const users = new PortalUserDirectory(directory, { ttlMs: 1 });
    await users.load(['user:default/lena']);
    await new Promise(r => setTimeout(r, 5));
    await users.load(['user:default/lena']);
    expect(directory.lookups).toEqual([
      'user:default/lena',
      'user:default/lena',
    ]);
  });
});
