import { mockServices } from '@backstage/backend-test-utils';
import { AuditRecordInput } from '@internal/plugin-platform-common';
import { AuditStore } from './AuditStore';
import { AuditActivityReader } from './AuditActivityReader';
import { catalogActorTeams } from './catalogActorTeams';
import { platformTestDatabases } from '../__testUtils__/platformTestDatabase';

jest.setTimeout(120_000);

const databases = platformTestDatabases();

const at = (iso: string) => new Date(iso);
function record(over: Partial<AuditRecordInput>): AuditRecordInput {
  return {
    actor: 'user:default/maya.cohen',
    action: 'filters.filters-query',
    resource: '/api/filters/v1/query',
    outcome: 'succeeded',
    severity: 'medium',
    plugin: 'filters',
    meta: { accountId: 'acc-1', dataset: 'events' },
    occurred_at: at('2026-11-20T10:00:00Z'),
    ...over,
  };
}

describe('AuditActivityReader (real Postgres, records through the real AuditStore)', () => {
  it('counts per day, plugin, action, outcome and actor team, with no user ref or record body', async () => {
    const knex = await databases.init();
    const store = new AuditStore(knex);
    await store.appendMany([
      record({}),
      record({ occurred_at: at('2026-11-20T17:30:00Z') }),
      // Same team, another user: counted together.
      record({ actor: 'user:default/omar.haddad' }),
      record({ outcome: 'failed', occurred_at: at('2026-11-21T09:00:00Z') }),
      record({
        actor: 'plugin:exports',
        action: 'filters.filters-count',
        occurred_at: at('2026-11-21T09:00:00Z'),
      }),
      record({ actor: 'user:default/no.team' }),
      record({ actor: 'user:default/left.company' }),
      record({
        plugin: 'exports',
        action: 'exports.export-create',
        actor: 'user:default/maya.cohen',
      }),
      // Outside [from, to).
      record({ occurred_at: at('2026-11-19T23:59:59Z') }),
      record({ occurred_at: at('2026-11-22T00:00:00Z') }),
    ]);
    const asked: string[][] = [];
    const reader = new AuditActivityReader(knex, async refs => {
      asked.push([...refs].sort());
      return new Map([
        ['user:default/maya.cohen', 'group:default/dashboards'],
        ['user:default/omar.haddad', 'group:default/dashboards'],
        ['user:default/no.team', 'none'],
      ]);
    });

    const rows = await reader.activityByTeam({
      from: at('2026-11-20T00:00:00Z'),
      to: at('2026-11-22T00:00:00Z'),
      plugins: ['filters'],
    });

    expect(asked).toEqual([
      [
        'user:default/left.company',
        'user:default/maya.cohen',
        'user:default/no.team',
        'user:default/omar.haddad',
      ],
    ]);
    expect(rows).toEqual([
      {
        day: at('2026-11-20T00:00:00Z'),
        plugin: 'filters',
        action: 'filters.filters-query',
        outcome: 'succeeded',
        team: 'group:default/dashboards',
        caller: '*',
        count: 3,
        lastAt: at('2026-11-20T17:30:00Z'),
      },
      {
        day: at('2026-11-20T00:00:00Z'),
        plugin: 'filters',
        action: 'filters.filters-query',
        outcome: 'succeeded',
        team: 'none',
        caller: '*',
        count: 1,
        lastAt: at('2026-11-20T10:00:00Z'),
      },
      {
        day: at('2026-11-20T00:00:00Z'),
        plugin: 'filters',
        action: 'filters.filters-query',
        outcome: 'succeeded',
        team: 'unknown',
        caller: '*',
        count: 1,
        lastAt: at('2026-11-20T10:00:00Z'),
      },
      {
        day: at('2026-11-21T00:00:00Z'),
        plugin: 'filters',
        action: 'filters.filters-count',
        outcome: 'succeeded',
        team: 'service',
        caller: 'service:plugin:exports',
        count: 1,
        lastAt: at('2026-11-21T09:00:00Z'),
      },
      {
        day: at('2026-11-21T00:00:00Z'),
        plugin: 'filters',
        action: 'filters.filters-query',
        outcome: 'failed',
        team: 'group:default/dashboards',
        caller: '*',
        count: 1,
        lastAt: at('2026-11-21T09:00:00Z'),
      },
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/maya|omar|acc-1|events/);

    const all = await reader.activityByTeam({
      from: at('2026-11-20T00:00:00Z'),
      to: at('2026-11-22T00:00:00Z'),
    });
    expect(all.filter(r => r.plugin === 'exports')).toEqual([
      expect.objectContaining({
        action: 'exports.export-create',
        team: 'group:default/dashboards',
        count: 1,
      }),
    ]);
  });
});

describe('AuditActivityReader day cache (real Postgres)', () => {
  it('reads only the partial days live and reuses whole past days until they expire', async () => {
    const knex = await databases.init();
    const store = new AuditStore(knex);
    const times = [
      '2026-11-20T11:00:00Z', // before the window
      '2026-11-20T13:00:00Z', // partial first day
      '2026-11-21T00:00:00Z', // whole day
      '2026-11-21T23:59:59Z',
      '2026-11-22T05:00:00Z', // partial last day (today)
      '2026-11-22T06:30:00Z', // after the window
    ];
    await store.appendMany(times.map(t => record({ occurred_at: at(t) })));
    const teams = async () =>
      new Map([['user:default/maya.cohen', 'group:default/dashboards']]);
    let now = Date.parse('2026-11-22T07:00:00Z');
    const cached = new AuditActivityReader(knex, teams, {
      closedDayCacheMs: 60_000,
      now: () => now,
    });
    const live = new AuditActivityReader(knex, teams, { closedDayCacheMs: 0 });
    const q = {
      from: at('2026-11-20T12:00:00Z'),
      to: at('2026-11-22T06:00:00Z'),
      plugins: ['filters'],
    };
    const counts = (rows: Array<{ day: Date; count: number }>) =>
      rows.map(r => [r.day.toISOString().slice(0, 10), r.count]);
    const expected = [
      ['2026-11-20', 1],
      ['2026-11-21', 2],
      ['2026-11-22', 1],
    ];
    expect(counts(await cached.activityByTeam(q))).toEqual(expected);
    expect(counts(await live.activityByTeam(q))).toEqual(expected);

    // A record in today's part shows at once; one backdated into the cached day after expiry.
    await store.appendMany([
      record({ occurred_at: at('2026-11-22T05:30:00Z') }),
      record({ occurred_at: at('2026-11-21T12:00:00Z') }),
    ]);
    expect(counts(await cached.activityByTeam(q))).toEqual([
      ['2026-11-20', 1],
      ['2026-11-21', 2],
      ['2026-11-22', 2],
    ]);
    now += 60_000;
    expect(counts(await cached.activityByTeam(q))).toEqual([
      ['2026-11-20', 1],
      ['2026-11-21', 3],
      ['2026-11-22', 2],
    ]);
    expect(counts(await live.activityByTeam(q))).toEqual(
      counts(await cached.activityByTeam(q)),
    );
  });
});

describe('catalogActorTeams', () => {
  const ORG = 'file:/org/org-groups.yaml';
  const origin = (from: string) => ({
    'backstage.io/managed-by-origin-location': from,
  });
  /** The catalog: org users and groups, plus what a registered location added. */
  const entities: Record<string, any> = {
    'user:default/maya': {
      kind: 'User',
      metadata: { name: 'maya', annotations: origin(ORG) },
      relations: [
        { type: 'ownerOf', targetRef: 'component:default/x' },
        // a registered Group listing maya as member, sorted before her real teams
        { type: 'memberOf', targetRef: 'group:default/aaa-takeover' },
        { type: 'memberOf', targetRef: 'group:default/reporting' },
        { type: 'memberOf', targetRef: 'group:default/dashboards' },
      ],
    },
    'user:default/solo': {
      kind: 'User',
      metadata: { name: 'solo', annotations: origin(ORG) },
      relations: [],
    },
    'user:default/registered': {
      kind: 'User',
      metadata: { name: 'registered', annotations: origin('url:https://x/y') },
      relations: [{ type: 'memberOf', targetRef: 'group:default/dashboards' }],
    },
    'group:default/dashboards': {
      kind: 'Group',
      metadata: { name: 'dashboards', annotations: origin(ORG) },
    },
    'group:default/reporting': {
      kind: 'Group',
      metadata: { name: 'reporting', annotations: origin(ORG) },
    },
    'group:default/aaa-takeover': {
      kind: 'Group',
      metadata: {
        name: 'aaa-takeover',
        annotations: origin('url:https://x/y'),
      },
    },
  };

  it("maps users to their first organisation group over the catalog's by-refs API, cached", async () => {
    const calls: Array<{ url: string; body: any; auth: string | null }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body));
      calls.push({
        url,
        body,
        auth: new Headers(init.headers).get('authorization'),
      });
      return new Response(
        JSON.stringify({
          items: body.entityRefs.map((ref: string) => entities[ref] ?? null),
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    }) as unknown as typeof fetch;
    const teams = catalogActorTeams({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      isOrgEntity: e =>
        e.metadata.annotations?.['backstage.io/managed-by-origin-location'] ===
        ORG,
      fetch: fakeFetch,
    });
    const refs = [
      'user:default/maya',
      'user:default/solo',
      'user:default/registered',
      'user:default/ghost',
    ];
    const first = await teams(refs);
    expect([...first.entries()]).toEqual([
      // not the registered aaa-takeover group, though it sorts first
      ['user:default/maya', 'group:default/dashboards'],
      ['user:default/solo', 'none'],
      // a User from a registered location claims no team
      ['user:default/registered', 'none'],
    ]);
    expect(calls).toHaveLength(2);
    expect(calls[0].url).toMatch(/\/api\/catalog\/entities\/by-refs$/);
    expect(calls[0].auth).toMatch(/^Bearer /);
    expect(calls[0].body.entityRefs).toEqual(refs);
    expect(calls[1].body.entityRefs.sort()).toEqual([
      'group:default/aaa-takeover',
      'group:default/dashboards',
      'group:default/reporting',
    ]);
    await teams(refs);
    expect(calls).toHaveLength(2);
  });
});
