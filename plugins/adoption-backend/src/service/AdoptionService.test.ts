import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { OrgLocations } from '@internal/plugin-catalog-backend-module-org-trust';
import {
  AuditActivity,
  AuditActivityQuery,
  PlatformTelemetryReader,
  TeamRequests,
  TeamRequestsQuery,
} from '@internal/plugin-platform-node';
import { Knex } from 'knex';
import path from 'path';
import { AdoptionService } from './AdoptionService';
import { AdoptionStore } from './AdoptionStore';
import { findAdoptionDir, loadDefinitions } from './definitions';
import {
  CapacitySample,
  EnforcementSetting,
  EvidenceSources,
  ShadowStat,
  SloStatus,
} from './sources';

/** A seeded platform request rollup (what the telemetry reader returns for it). */
interface SeededRequests {
  minute: string;
  service: string;
  team: string;
  count: number;
  route?: string;
  caller?: string;
}

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
const TEAMS = ['dashboards', 'reporting', 'explore'];

const group = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'platform.portal/team-kind': 'feature-team' },
  },
  spec: { type: 'team', children: [] },
});

const catalog: Entity[] = [
  ...TEAMS.map(group),
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: {
      name: 'platform-services',
      namespace: 'default',
      annotations: { 'platform.portal/team-kind': 'platform' },
    },
    spec: { type: 'team', children: [] },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'filter-engine', namespace: 'default' },
    spec: {
      type: 'platform-service',
      owner: 'group:platform-services',
      providesApis: ['filter-sdk'],
    },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'API',
    metadata: {
      name: 'filter-sdk',
      namespace: 'default',
      title: 'Filtering SDK',
    },
    spec: {
      type: 'typescript',
      lifecycle: 'production',
      owner: 'group:platform-services',
      definition: 'x',
    },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'report-service',
      namespace: 'default',
      // Reporting declares phase 2 for export; nothing measured backs it.
      annotations: { 'platform.portal/adoption-phase-export': '2' },
    },
    spec: {
      type: 'service',
      owner: 'group:reporting',
      consumesApis: ['filter-sdk'],
    },
    relations: [{ type: 'consumesApi', targetRef: 'api:default/filter-sdk' }],
  },
];

/** The organisation's catalog file; entities from anywhere else are self-registered. */
const ORG_FILE = '/org/catalog/systems.yaml';
const orgLocations = new OrgLocations([{ type: 'file', target: ORG_FILE }]);
const origin = (target: string) => ({
  'backstage.io/managed-by-origin-location': target,
});

/** Service-principal claims: one from the org file, two from a registered location. */
const principalClaims: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'reports-worker',
      namespace: 'default',
      annotations: {
        ...origin(`file:${ORG_FILE}`),
        'platform.portal/service-principal': 'plugin:reports-worker',
      },
    },
    spec: { type: 'service', owner: 'group:reporting' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'stolen-worker',
      namespace: 'default',
      annotations: {
        ...origin('url:https://git.example/someone/catalog-info.yaml'),
        'platform.portal/service-principal': 'plugin:reports-worker',
      },
    },
    spec: { type: 'service', owner: 'group:explore' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: 'scripts-token',
      namespace: 'default',
      annotations: {
        ...origin('url:https://git.example/someone/catalog-info.yaml'),
        'platform.portal/service-principal': 'portal-api-token',
      },
    },
    spec: { type: 'token', owner: 'group:dashboards' },
  },
];

class FakeSources implements EvidenceSources {
  rows: SeededRequests[] = [];
  stats: ShadowStat[] = [];
  settings: EnforcementSetting[] = [];
  samples: Record<string, CapacitySample[]> = {};
  /** The telemetry reader's per-team query over the seeded rows. */
  async requestsByTeam(q: TeamRequestsQuery): Promise<TeamRequests[]> {
    return this.rows
      .filter(
        r =>
          Date.parse(r.minute) >= q.from.getTime() &&
          Date.parse(r.minute) < q.to.getTime() &&
          (!q.services || q.services.includes(r.service)),
      )
      .map(r => ({
        minute: new Date(r.minute),
        resolutionMinutes: 1,
        service: r.service,
        method: 'POST',
        route: r.route ?? `/api/${r.service}/v1/query`,
        team: r.team,
        caller: r.caller ?? '*',
        count: r.count,
        errors: 0,
      }));
  }
  async shadowStats() {
    return this.stats;
  }
  async enforcement() {
    return this.settings;
  }
  async capacitySamples(limit: string) {
    return this.samples[limit] ?? [];
  }
  slos: Record<string, SloStatus> = {};
  async slo(id: string) {
    return this.slos[id];
  }
}

describe('AdoptionService (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;
  let now: Date;
  let sources: FakeSources;
  let service: AdoptionService;
  let store: AdoptionStore;
  let telemetry: PlatformTelemetryReader;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-adoption-backend',
        'migrations',
      ),
    });
  });

  /** The service over this test's store, sources and telemetry, with `over` replacing deps. */
  const serviceWith = (
    over: Partial<ConstructorParameters<typeof AdoptionService>[0]>,
  ) =>
    new AdoptionService({
      store,
      sources,
      catalog: { entities: async () => catalog },
      telemetry,
      definitions: loadDefinitions(findAdoptionDir(path.resolve(__dirname))!),
      settings: { legacyQuietDays: 14, backfillDays: 30 },
      logger: mockServices.logger.mock(),
      now: () => now,
      ...over,
    });

  beforeEach(async () => {
    for (const t of [
      'adoption_usage_minutes',
      'adoption_collector_state',
      'adoption_legacy_calls',
      'adoption_phase_history',
      'adoption_score_days',
      'adoption_risk_edits',
      'adoption_deprecated_minutes',
      'adoption_reminders',
    ]) {
      await knex(t).delete();
    }
    now = new Date('2026-12-01T12:00:30Z');
    sources = new FakeSources();
    store = new AdoptionStore(knex);
    telemetry = {
      bucketBoundsMs: [1, 5, 10],
      requestMinutes: async () => [],
      pageLoadMinutes: async () => [],
      requestsByTeam: q => sources.requestsByTeam(q),
    };
    service = serviceWith({});
  });

  const cell = (
    m: any,
    team: string,
    capability: string,
    source = 'measured',
  ) =>
    m.cells.find(
      (c: any) =>
        c.team === `group:default/${team}` &&
        c.capability === capability &&
        c.source === source,
    );

  it('reaches each phase from its evidence and keeps declared phases apart', async () => {
    let m = await service.matrix();
    expect(m.teams).toEqual(TEAMS.map(t => `group:default/${t}`).sort());
    expect(m.cells.filter((c: any) => c.source === 'measured')).toHaveLength(9);
    expect(cell(m, 'dashboards', 'filtering').phase).toBe(0);

    // Phase 1: the team's calls reach the filter engine (telemetry rows from the platform).
    sources.rows.push(
      {
        minute: '2026-12-01T11:58:00.000Z',
        service: 'filters',
        team: 'group:default/dashboards',
        count: 3,
      },
      {
        minute: '2026-12-01T11:58:00.000Z',
        service: 'filters',
        team: 'group:default/dashboards',
        count: 2,
      },
      {
        minute: '2026-12-01T11:59:00.000Z',
        service: 'filters',
        team: 'service',
        count: 50,
      },
      {
        minute: '2026-12-01T11:59:00.000Z',
        service: 'catalog',
        team: 'group:default/explore',
        count: 50,
      },
    );
    m = await service.matrix();
    const f = cell(m, 'dashboards', 'filtering');
    expect(f.phase).toBe(1);
    expect(f.evidence.calls30d).toBe(5);
    expect(f.evidence.lastCallAt).toBe('2026-12-01T11:58:00.000Z');
    // Service calls and other plugins never count for a team.
    expect(cell(m, 'explore', 'filtering').phase).toBe(0);

    // Phase 2: the shim reports reporting's legacy export path.
    await store.recordLegacyCalls([
      {
        team: 'group:default/reporting',
        capability: 'export',
        legacyPath: 'GET /reports/:id/csv',
        at: new Date(now.getTime() - 3 * DAY_MS),
        count: 7,
      },
    ]);
    sources.rows.push({
      minute: '2026-12-01T11:59:00.000Z',
      service: 'exports',
      team: 'group:default/reporting',
      count: 1,
    });
    m = await service.matrix();
    expect(cell(m, 'reporting', 'export')).toMatchObject({
      phase: 2,
      evidence: { legacyCalls30d: 7, calls30d: 1 },
    });
    // The declared phase is a separate cell, labelled declared.
    expect(cell(m, 'reporting', 'export', 'declared')).toMatchObject({
      phase: 2,
      declaredBy: 'component:default/report-service',
    });

    // Phase 3: 14 days later without legacy calls (platform calls still seen).
    now = new Date(now.getTime() + 15 * DAY_MS);
    sources.rows.push({
      minute: new Date(now.getTime() - 120_000).toISOString(),
      service: 'exports',
      team: 'group:default/reporting',
      count: 2,
    });
    m = await service.matrix();
    expect(cell(m, 'reporting', 'export').phase).toBe(3);

    // Permissions: shadow on → 2 with the rate; enforce → 3.
    sources.settings = [
      { team: 'explore', endpoint: 'GET /views', mode: 'shadow' },
    ];
    sources.stats = [
      {
        team: 'explore',
        endpoint: 'GET /views',
        bucketStart: now.toISOString(),
        checks: 2000,
        discrepancies: 1,
      },
    ];
    m = await service.matrix();
    expect(cell(m, 'explore', 'permissions')).toMatchObject({
      phase: 2,
      evidence: {
        shadow: {
          mode: 'shadow',
          checks: 2000,
          discrepancies: 1,
          rate: 0.0005,
        },
      },
    });
    sources.settings = [
      { team: 'explore', endpoint: 'GET /views', mode: 'enforce' },
    ];
    m = await service.matrix();
    expect(cell(m, 'explore', 'permissions').phase).toBe(3);

    // History per cell: every change with its evidence, newest first.
    const history = await service.cellHistory('reporting', 'export');
    expect(
      history
        .filter(h => h.source === 'measured')
        .map(h => [h.fromPhase, h.phase]),
    ).toEqual([
      [2, 3],
      [0, 2],
      [null, 0],
    ]);
    expect(history.find(h => h.source === 'declared')).toMatchObject({
      phase: 2,
    });
  });

  it('re-reading a window never double counts', async () => {
    sources.rows.push({
      minute: '2026-12-01T11:59:00.000Z',
      service: 'filters',
      team: 'group:default/explore',
      count: 4,
    });
    await service.matrix();
    await service.matrix();
    now = new Date(now.getTime() + 60_000);
    const m = await service.matrix();
    expect(cell(m, 'explore', 'filtering').evidence.calls30d).toBe(4);
  });

  it('scores, levels and ranks teams from measured phases with a trend', async () => {
    sources.rows.push(
      {
        minute: '2026-12-01T11:59:00.000Z',
        service: 'filters',
        team: 'group:default/explore',
        count: 1,
      },
      {
        minute: '2026-12-01T11:59:00.000Z',
        service: 'exports',
        team: 'group:default/explore',
        count: 1,
      },
      {
        minute: '2026-12-01T11:59:00.000Z',
        service: 'authz',
        team: 'group:default/explore',
        count: 1,
      },
      {
        minute: '2026-12-01T11:59:00.000Z',
        service: 'filters',
        team: 'group:default/dashboards',
        count: 1,
      },
    );
    const cards = await service.scorecards();
    expect(cards.map(c => [c.team, c.score, c.level, c.rank])).toEqual([
      ['group:default/explore', 33.3, 'bronze', 1],
      ['group:default/dashboards', 11.7, 'none', 2],
      ['group:default/reporting', 0, 'none', 3],
    ]);
    const explore = await service.teamScorecard('explore');
    expect(
      explore.checks.map(c => [c.capability, c.phase, c.evidence.calls30d]),
    ).toEqual([
      ['export', 1, 1],
      ['filtering', 1, 1],
      ['permissions', 1, 1],
    ]);
    expect(explore.trend).toEqual([{ day: '2026-12-01', score: 33.3 }]);
    await expect(service.teamScorecard('nobody')).rejects.toThrow(/path.team/);
  });

  it('evaluates roadmap criteria from seeded data, never from a checkmark', async () => {
    const byText = async () => {
      const r = await service.roadmap();
      return new Map(
        r.milestones.flatMap(ms =>
          ms.criteria.map(c => [`${ms.id} ${c.text}`, c]),
        ),
      );
    };
    let c = await byText();
    expect(c.get('M7 >= 3 teams consume the export service')).toMatchObject({
      status: 'not-met',
    });
    expect(c.get('M6 Discrepancy rate < 0.1%')?.status).toBe('not-measurable');
    expect(c.get('M3 Permission check latency < 5 ms p99')?.status).toBe(
      'not-measurable',
    );
    expect(c.get('M1 Active connections reduced by >= 50%')?.status).toBe(
      'not-measurable',
    );
    expect(
      c.get(
        'M0 Team staffed; charter published; on-call rotation active; Slack channel + weekly sync established',
      ),
    ).toMatchObject({
      status: 'not-measurable',
      detail: expect.stringContaining('no portal source'),
    });

    for (const team of TEAMS) {
      sources.rows.push({
        minute: '2026-12-01T11:59:00.000Z',
        service: 'exports',
        team: `group:default/${team}`,
        count: 1,
      });
    }
    sources.stats = [
      {
        team: 'dashboards',
        endpoint: 'e',
        bucketStart: new Date(now.getTime() - 3_600_000).toISOString(),
        checks: 10_000,
        discrepancies: 5,
      },
    ];
    const decisions = (
      id: string,
      thresholdMs: number,
      good: number,
      total: number,
    ): SloStatus => ({
      id,
      name: id,
      objective: 0.99,
      window: 'rolling-30d',
      thresholdMs,
      sliSource: 'permission-checks',
      sli: good / total,
      good,
      total,
      dataStatus: {
        ok: true,
        message: 'authz decision latency',
        lastMinute: '2026-12-01T11:59:00.000Z',
      },
    });
    sources.slos['permission-check-uncached'] = decisions(
      'permission-check-uncached',
      50,
      199,
      200,
    );
    sources.slos['permission-check-cached'] = decisions(
      'permission-check-cached',
      5,
      995,
      1000,
    );
    sources.samples['postgres-connections'] = [
      { value: 160, at: '2026-11-01T00:00:00Z' },
      { value: 70, at: '2026-12-01T00:00:00Z' },
    ];
    c = await byText();
    expect(c.get('M7 >= 3 teams consume the export service')).toMatchObject({
      status: 'met',
      detail: expect.stringContaining('3 of 3'),
    });
    expect(c.get('M6 Discrepancy rate < 0.1%')).toMatchObject({
      status: 'met',
      detail: expect.stringContaining('0.050%'),
    });
    expect(c.get('M3 Permission check latency < 5 ms p99')).toMatchObject({
      status: 'met',
      detail: expect.stringContaining(
        'permission-check-cached: 99.50% of 1000 within 5 ms over rolling-30d (objective 99.00%); permission-check-uncached: 99.50% of 200 within 50 ms',
      ),
      source:
        'SLO plugin: permission-check-cached (permission-checks), permission-check-uncached (permission-checks)',
      measuredAt: '2026-12-01T11:59:00.000Z',
    });
    expect(c.get('M1 Active connections reduced by >= 50%')).toMatchObject({
      status: 'met',
      detail: expect.stringContaining('56.3%'),
    });

    sources.stats[0].discrepancies = 50;
    // the cached SLO still meets its objective; the uncached one no longer does
    sources.slos['permission-check-uncached'] = decisions(
      'permission-check-uncached',
      50,
      190,
      200,
    );
    c = await byText();
    expect(c.get('M6 Discrepancy rate < 0.1%')?.status).toBe('not-met');
    expect(c.get('M3 Permission check latency < 5 ms p99')?.status).toBe(
      'not-met',
    );
  });

  it('keeps risk and question edits as history', async () => {
    await service.updateRisk(
      'migration-friction',
      { status: 'mitigating' },
      'user:default/sre-alice',
    );
    await service.updateRisk(
      'q4-deployment-model',
      { answer: 'Kubernetes (EKS)' },
      'user:default/sre-alice',
    );
    const r = await service.risks();
    const risk = r.risks.find(x => x.id === 'migration-friction')!;
    expect(risk.status).toBe('mitigating');
    expect(risk.history).toEqual([
      expect.objectContaining({
        changes: { status: 'mitigating' },
        editedBy: 'user:default/sre-alice',
      }),
    ]);
    expect(r.questions.find(q => q.id === 'q4-deployment-model')!.answer).toBe(
      'Kubernetes (EKS)',
    );
    await expect(
      service.updateRisk('nope', { status: 'open' }, 'x'),
    ).rejects.toThrow(/path.id/);
    await expect(
      service.updateRisk('q1-managed-postgres', { status: 'open' }, 'x'),
    ).rejects.toThrow(/body.status/);
  });

  it('lists capabilities with declared and measured consumers apart', async () => {
    sources.rows.push({
      minute: '2026-12-01T11:59:00.000Z',
      service: 'filters',
      team: 'group:default/explore',
      count: 2,
    });
    const inv = await service.capabilities();
    const filtering = inv.capabilities.find(c => c.id === 'filtering')!;
    expect(filtering.declaredConsumers).toEqual(['group:default/reporting']);
    expect(filtering.measuredConsumers.map(c => c.team)).toEqual([
      'group:default/explore',
    ]);
    expect(filtering.onlyDeclared).toEqual(['group:default/reporting']);
    expect(filtering.onlyMeasured).toEqual(['group:default/explore']);
  });

  it('maps service callers to teams through org catalog entities only, and measures deprecated-version callers', async () => {
    const definitions = loadDefinitions(
      findAdoptionDir(path.resolve(__dirname))!,
    );
    definitions.versioning.deprecatedVersions = [
      {
        capability: 'export',
        version: 'v1',
        replacedBy: 'v2',
        gaDate: '2026-11-01',
        removalDate: '2027-02-01',
        routes: ['/api/exports/v1/'],
      },
    ];
    const withDeprecation = serviceWith({
      catalog: { entities: async () => [...catalog, ...principalClaims] },
      trustedEntity: e => orgLocations.isOrgEntity(e),
      definitions,
    });
    sources.rows.push(
      {
        minute: '2026-12-01T11:50:00.000Z',
        service: 'exports',
        route: '/api/exports/v1/exports',
        team: 'group:default/reporting',
        count: 3,
      },
      {
        minute: '2026-12-01T11:51:00.000Z',
        service: 'exports',
        route: '/api/exports/v2/exports',
        team: 'group:default/dashboards',
        count: 5,
      },
      {
        minute: '2026-12-01T11:52:00.000Z',
        service: 'exports',
        route: '/api/exports/v1/exports/:id',
        team: 'service',
        caller: 'service:plugin:reports-worker',
        count: 2,
      },
      // Claimed only by a self-registered entity: stays an unmapped service.
      {
        minute: '2026-12-01T11:53:00.000Z',
        service: 'exports',
        route: '/api/exports/v2/exports',
        team: 'service',
        caller: 'service:portal-api-token',
        count: 7,
      },
      // Users without a team are not attributed to anyone.
      {
        minute: '2026-12-01T11:52:00.000Z',
        service: 'exports',
        route: '/api/exports/v1/exports',
        team: 'none',
        count: 9,
      },
    );
    const inv = await withDeprecation.capabilities();
    const exp = inv.capabilities.find(c => c.id === 'export')!;
    expect(exp.measuredConsumers).toEqual([
      {
        team: 'group:default/dashboards',
        calls30d: 5,
        lastCallAt: '2026-12-01T11:51:00.000Z',
        viaServices: [],
      },
      {
        team: 'group:default/reporting',
        calls30d: 5,
        lastCallAt: '2026-12-01T11:52:00.000Z',
        viaServices: ['service:plugin:reports-worker'],
      },
    ]);
    expect(exp.measuredServices).toEqual([
      {
        service: 'service:plugin:reports-worker',
        calls30d: 2,
        lastCallAt: '2026-12-01T11:52:00.000Z',
        team: 'group:default/reporting',
        entity: 'component:default/reports-worker',
      },
      {
        service: 'service:portal-api-token',
        calls30d: 7,
        lastCallAt: '2026-12-01T11:53:00.000Z',
        team: null,
        entity: null,
      },
    ]);
    const m = await withDeprecation.matrix();
    expect(cell(m, 'reporting', 'export').evidence.viaServices).toEqual([
      {
        service: 'service:plugin:reports-worker',
        entity: 'component:default/reports-worker',
        calls30d: 2,
        lastCallAt: '2026-12-01T11:52:00.000Z',
      },
    ]);
    // The self-registered claims moved nothing to explore or dashboards.
    expect(cell(m, 'explore', 'export').evidence.calls30d).toBe(0);
    expect(cell(m, 'dashboards', 'export').evidence.calls30d).toBe(5);
    expect(inv.servicePrincipals).toEqual([
      expect.objectContaining({
        service: 'service:plugin:reports-worker',
        entity: 'component:default/reports-worker',
        team: 'group:default/reporting',
        status: 'mapped',
      }),
      expect.objectContaining({
        service: 'service:plugin:reports-worker',
        entity: 'component:default/stolen-worker',
        team: 'group:default/explore',
        status: 'untrusted',
        detail: expect.stringContaining('catalog.orgLocations'),
      }),
      expect.objectContaining({
        service: 'service:portal-api-token',
        entity: 'resource:default/scripts-token',
        team: 'group:default/dashboards',
        status: 'untrusted',
      }),
    ]);
    expect(inv.versioning.deprecatedVersions).toEqual([
      expect.objectContaining({
        version: 'v1',
        routes: ['/api/exports/v1/'],
        callingTeams: ['group:default/reporting'],
        callers: [
          {
            caller: 'group:default/reporting',
            calls30d: 3,
            lastCallAt: '2026-12-01T11:50:00.000Z',
            team: 'group:default/reporting',
          },
          {
            caller: 'service:plugin:reports-worker',
            calls30d: 2,
            lastCallAt: '2026-12-01T11:52:00.000Z',
            team: 'group:default/reporting',
          },
        ],
      }),
    ]);
    expect(inv.measurement).toEqual({
      source: expect.stringContaining('requestsByTeam'),
      from: new Date(now.getTime() - 30 * DAY_MS).toISOString(),
      to: now.toISOString(),
    });
  });

  it('two org entities of different teams claiming one principal map it to neither', async () => {
    const twice: Entity = {
      ...principalClaims[0],
      metadata: { ...principalClaims[0].metadata, name: 'other-worker' },
      spec: { ...principalClaims[0].spec, owner: 'group:dashboards' },
    };
    const conflicted = serviceWith({
      catalog: {
        entities: async () => [...catalog, principalClaims[0], twice],
      },
      trustedEntity: e => orgLocations.isOrgEntity(e),
    });
    sources.rows.push({
      minute: '2026-12-01T11:52:00.000Z',
      service: 'exports',
      team: 'service',
      caller: 'service:plugin:reports-worker',
      count: 2,
    });
    const inv = await conflicted.capabilities();
    expect(inv.servicePrincipals.map(c => c.status)).toEqual([
      'conflict',
      'conflict',
    ]);
    expect(
      inv.capabilities.find(c => c.id === 'export')!.measuredServices,
    ).toEqual([expect.objectContaining({ team: null, calls30d: 2 })]);
  });

  it('measures consumers from the audit store beside request telemetry, per source', async () => {
    const asked: AuditActivityQuery[] = [];
    const day = new Date('2026-12-01T00:00:00Z');
    const activity: AuditActivity[] = [
      {
        day,
        plugin: 'filters',
        action: 'filters.filters-query',
        outcome: 'succeeded',
        team: 'group:default/dashboards',
        caller: '*',
        count: 4,
        lastAt: new Date('2026-12-01T11:40:00Z'),
      },
      {
        day,
        plugin: 'filters',
        action: 'filters.filters-query',
        outcome: 'failed',
        team: 'group:default/dashboards',
        caller: '*',
        count: 1,
        lastAt: new Date('2026-12-01T11:45:00Z'),
      },
      {
        day,
        plugin: 'exports',
        action: 'exports.export-create',
        outcome: 'succeeded',
        team: 'service',
        caller: 'service:plugin:reports-worker',
        count: 2,
        lastAt: new Date('2026-12-01T10:00:00Z'),
      },
      {
        day,
        plugin: 'filters',
        action: 'filters.filters-count',
        outcome: 'succeeded',
        team: 'service',
        caller: 'service:portal-api-token',
        count: 1,
        lastAt: new Date('2026-12-01T09:00:00Z'),
      },
      // Users with no team are nobody's.
      {
        day,
        plugin: 'filters',
        action: 'filters.filters-query',
        outcome: 'succeeded',
        team: 'none',
        caller: '*',
        count: 3,
        lastAt: new Date('2026-12-01T09:00:00Z'),
      },
    ];
    const withAudit = serviceWith({
      catalog: { entities: async () => [...catalog, ...principalClaims] },
      audit: {
        activityByTeam: async q => {
          asked.push(q);
          return activity;
        },
      },
      trustedEntity: e => orgLocations.isOrgEntity(e),
    });
    sources.rows.push({
      minute: '2026-12-01T11:59:00.000Z',
      service: 'filters',
      team: 'group:default/explore',
      count: 2,
    });
    const m = await withAudit.matrix();
    expect(asked[0]).toEqual({
      from: new Date(now.getTime() - 30 * DAY_MS),
      to: now,
      plugins: ['exports', 'filters', 'authz'],
    });
    const dash = cell(m, 'dashboards', 'filtering');
    expect(dash.evidence.audit).toEqual({
      events30d: 5,
      lastEventAt: '2026-12-01T11:45:00.000Z',
      actions: [
        { action: 'filters.filters-query', outcome: 'succeeded', count: 4 },
        { action: 'filters.filters-query', outcome: 'failed', count: 1 },
      ],
      viaServices: [],
    });
    // Shown beside the phase, not used by it: no telemetry call, phase 0.
    expect(dash.evidence.calls30d).toBe(0);
    expect(dash.phase).toBe(0);
    expect(cell(m, 'reporting', 'export').evidence.audit).toEqual(
      expect.objectContaining({
        events30d: 2,
        viaServices: ['service:plugin:reports-worker'],
      }),
    );
    expect(cell(m, 'explore', 'filtering').evidence.audit).toBeUndefined();
    // The scheduled usage sync leaves the audit store alone (not a phase input).
    const synced = await withAudit.matrix({ audit: false });
    expect(asked).toHaveLength(1);
    expect(cell(synced, 'dashboards', 'filtering').phase).toBe(0);
    expect(m.sources).toContainEqual({
      name: 'platform audit store',
      ok: true,
      detail: expect.stringContaining('activityByTeam'),
    });

    const inv = await withAudit.capabilities();
    const filtering = inv.capabilities.find(c => c.id === 'filtering')!;
    expect(filtering.measuredConsumers.map(c => c.team)).toEqual([
      'group:default/explore',
    ]);
    expect(filtering.auditConsumers).toEqual([
      expect.objectContaining({
        team: 'group:default/dashboards',
        events30d: 5,
      }),
    ]);
    expect(filtering.auditServices).toEqual([
      {
        service: 'service:portal-api-token',
        events30d: 1,
        lastEventAt: '2026-12-01T09:00:00.000Z',
        team: null,
        entity: null,
      },
    ]);
    // Measured by either source counts as measured against the declared list.
    expect(filtering.onlyMeasured).toEqual([
      'group:default/explore',
      'group:default/dashboards',
    ]);
    expect(
      inv.capabilities.find(c => c.id === 'export')!.auditConsumers,
    ).toEqual([
      expect.objectContaining({
        team: 'group:default/reporting',
        viaServices: ['service:plugin:reports-worker'],
      }),
    ]);
    expect(inv.auditMeasurement).toEqual({
      source: expect.stringContaining('activityByTeam'),
      from: new Date(now.getTime() - 30 * DAY_MS).toISOString(),
      to: now.toISOString(),
      ok: true,
      detail: expect.stringContaining('5 day'),
    });
  });

  it('shows the audit store as unreadable instead of zero', async () => {
    const failing = serviceWith({
      audit: {
        activityByTeam: async () => {
          throw new Error('connection refused');
        },
      },
    });
    const inv = await failing.capabilities();
    expect(inv.auditMeasurement).toMatchObject({
      ok: false,
      detail: 'audit store unreadable: connection refused',
    });
  });

  it('reports the usage source as failed when the reader has no per-team query', async () => {
    const { requestsByTeam: _, ...older } = telemetry;
    const withoutQuery = serviceWith({
      telemetry: older,
    });
    const m = await withoutQuery.matrix();
    expect(m.sources[0]).toMatchObject({
      name: 'platform request telemetry',
      ok: false,
      detail: expect.stringContaining('requestsByTeam'),
    });
  });

  it('records each phase change once when matrices are computed concurrently', async () => {
    sources.rows.push({
      minute: '2026-12-01T11:59:00.000Z',
      service: 'filters',
      team: 'group:default/explore',
      count: 1,
    });
    await Promise.all([service.matrix(), service.matrix(), service.matrix()]);
    const rows = await knex('adoption_phase_history').where({
      team: 'group:default/explore',
      capability: 'filtering',
    });
    expect(rows.map(r => [r.from_phase, r.phase])).toEqual([[null, 1]]);
  });

  it('migrations go down', async () => {
    const db = await databases.init('POSTGRES_18');
    const dir = resolvePackagePath(
      '@internal/plugin-adoption-backend',
      'migrations',
    );
    await db.migrate.latest({ directory: dir });
    await db.migrate.rollback({ directory: dir }, true);
    expect(await db.schema.hasTable('adoption_usage_minutes')).toBe(false);
  });
});
