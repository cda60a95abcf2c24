import { fireEvent, screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  AdoptionApi,
  adoptionApiRef,
  MatrixDto,
  ScorecardDto,
} from '../../api/AdoptionApi';
import { AdoptionPage } from './AdoptionPage';

// Rendering the whole page takes seconds on a loaded 2-core machine.
jest.setTimeout(30_000);

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const evidence = {
  calls30d: 12,
  lastCallAt: '2026-12-01T10:00:00Z',
  legacyCalls30d: 0,
  lastLegacyCallAt: null,
};

const card = (team: string, score: number, rank: number): ScorecardDto => ({
  team: `group:default/${team}`,
  score,
  level: 'none',
  rank,
  checks: [
    {
      capability: 'filtering',
      phase: 1,
      weight: 0.35,
      points: 11.7,
      source: 'measured',
      reason: '12 calls to the platform service in 30 days',
      evidence,
      declaredPhase: 2,
    },
  ],
  trend: [{ day: '2026-12-01', score }],
});

const matrix: MatrixDto = {
  teams: ['group:default/dashboards'],
  capabilities: ['filtering'],
  cells: [
    {
      team: 'group:default/dashboards',
      capability: 'filtering',
      phase: 1,
      source: 'measured',
      reason: '12 calls to the platform service in 30 days',
      evidence: {
        ...evidence,
        viaServices: [
          {
            service: 'service:plugin:dash-worker',
            entity: 'component:default/dash-worker',
            calls30d: 4,
            lastCallAt: '2026-12-01T10:00:00Z',
          },
        ],
        audit: {
          events30d: 6,
          lastEventAt: '2026-12-01T10:30:00Z',
          actions: [
            { action: 'filters.filters-query', outcome: 'succeeded', count: 6 },
          ],
          viaServices: [],
        },
      },
    },
    {
      team: 'group:default/dashboards',
      capability: 'filtering',
      phase: 3,
      source: 'declared',
      reason: 'declared in the catalog',
      declaredBy: 'component:default/dashboard-api',
      evidence: { ...evidence, calls30d: 0, lastCallAt: null },
    },
  ],
  sources: [{ name: 'authz shadow mode', ok: false, detail: 'unreachable' }],
  computedAt: '2026-12-01T12:00:00Z',
};

const api: Partial<AdoptionApi> = {
  listScorecards: async () => ({
    scorecards: [card('explore', 33.3, 1), card('dashboards', 11.7, 2)],
    weights: { permissions: 0.4, filtering: 0.35, export: 0.25 },
    computedAt: '2026-12-01T12:00:00Z',
  }),
  getMatrix: async () => matrix,
  getCellHistory: async () => ({
    history: [
      {
        team: 'group:default/dashboards',
        capability: 'filtering',
        source: 'measured',
        fromPhase: 0,
        phase: 1,
        reason: 'first calls',
        evidence: {},
        changedAt: '2026-12-01T11:00:00Z',
      },
    ],
  }),
};

const risk = {
  id: 'staffing-delay',
  title: 'Platform team staffing delay',
  likelihood: 'Medium',
  impact: 'High',
  mitigation: 'reassign',
  owner: 'VP Engineering',
  status: 'open',
  history: [],
};
const updates: Array<[string, unknown]> = [];
api.listRisks = async () => ({
  risks: [updates.length ? { ...risk, status: 'mitigating' } : risk],
  questions: [],
});
api.updateRisk = async (id, changes) => {
  updates.push([id, changes]);
  return { item: {}, history: [] };
};

describe('AdoptionPage', () => {
  beforeAll(() => {
    (window as any).ResizeObserver = ResizeObserverStub;
  });

  it('ranks scorecards and drills down to the facts', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[adoptionApiRef, api]]}>
        <AdoptionPage />
      </TestApiProvider>,
    );
    const row = await screen.findByTestId('scorecard-explore');
    expect(row).toHaveTextContent('33.3');
    fireEvent.click(row);
    expect(await screen.findByLabelText('checks of explore')).toHaveTextContent(
      '12 calls to the platform service in 30 days',
    );
    expect(screen.getByLabelText('checks of explore')).toHaveTextContent(
      'declared 2',
    );
  });

  it('shows measured and declared apart in the matrix, and a cell history', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[adoptionApiRef, api]]}>
        <AdoptionPage />
      </TestApiProvider>,
    );
    fireEvent.click(await screen.findByRole('tab', { name: 'Matrix' }));
    const cell = await screen.findByTestId('cell-dashboards-filtering');
    expect(cell).toHaveAttribute('data-phase', '1');
    expect(cell).toHaveTextContent('declared 3 (differs)');
    expect(screen.getByText(/unreachable/)).toBeInTheDocument();
    expect(cell).toHaveTextContent('6 audited');
    fireEvent.click(cell);
    expect(await screen.findByText('first calls')).toBeInTheDocument();
    expect(screen.getByTestId('cell-drawer')).toHaveTextContent(
      '4 via service service:plugin:dash-worker (component:default/dash-worker)',
    );
    expect(screen.getByTestId('cell-audit')).toHaveTextContent(
      'filters.filters-query succeeded ×6',
    );
  });

  it('lists callers per source (telemetry, audit store, via service) and deprecated-version callers', async () => {
    const calls = (caller: string, calls30d: number, team: string | null) => ({
      caller,
      calls30d,
      lastCallAt: '2026-12-01T11:50:00Z',
      team,
    });
    const inventoryApi: Partial<AdoptionApi> = {
      ...api,
      getInventory: async () => ({
        capabilities: [
          {
            id: 'export',
            title: 'Data Export Service',
            component: 'component:default/export-service',
            description: 'Exports',
            owner: 'group:default/platform-services',
            apis: [],
            migrationApproach: 'm',
            expectedImpact: 'i',
            risks: 'r',
            declaredConsumers: [],
            measuredConsumers: [
              {
                team: 'group:default/reporting',
                calls30d: 7,
                lastCallAt: '2026-12-01T11:50:00Z',
                viaServices: ['service:plugin:reports-worker'],
              },
            ],
            measuredServices: [
              {
                service: 'service:plugin:reports-worker',
                calls30d: 2,
                lastCallAt: '2026-12-01T11:52:00Z',
                team: 'group:default/reporting',
                entity: 'component:default/reports-worker',
              },
              {
                service: 'service:portal-api-token',
                calls30d: 4,
                lastCallAt: '2026-12-01T11:52:00Z',
                team: null,
                entity: null,
              },
            ],
            auditConsumers: [
              {
                team: 'group:default/dashboards',
                events30d: 5,
                lastEventAt: '2026-12-01T11:00:00Z',
                actions: [
                  {
                    action: 'exports.export-create',
                    outcome: 'succeeded',
                    count: 5,
                  },
                ],
                viaServices: [],
              },
            ],
            auditServices: [],
            onlyDeclared: [],
            onlyMeasured: [
              'group:default/reporting',
              'group:default/dashboards',
            ],
          },
        ],
        productSpecific: [],
        measurement: {
          source: 'platform request telemetry (requestsByTeam)',
          from: '2026-11-01T12:00:00Z',
          to: '2026-12-01T12:00:00Z',
        },
        auditMeasurement: {
          source: 'platform audit store (activityByTeam)',
          from: '2026-11-01T12:00:00Z',
          to: '2026-12-01T12:00:00Z',
          ok: true,
          detail: '1 row',
        },
        servicePrincipals: [
          {
            service: 'service:plugin:reports-worker',
            entity: 'component:default/reports-worker',
            team: 'group:default/reporting',
            status: 'mapped',
            detail: 'ok',
          },
          {
            service: 'service:plugin:reports-worker',
            entity: 'component:default/stolen',
            team: 'group:default/explore',
            status: 'untrusted',
            detail: 'ignored: not from an organisation catalog location',
          },
        ],
        versioning: {
          policy: ['semver'],
          deprecatedVersions: [
            {
              capability: 'export',
              version: 'v1',
              replacedBy: 'v2',
              gaDate: '2026-11-01',
              removalDate: '2027-02-01',
              routes: ['/api/exports/v1/'],
              callingTeams: ['group:default/reporting'],
              callers: [
                calls('group:default/reporting', 3, 'group:default/reporting'),
                calls('service:portal-api-token', 1, null),
              ],
            },
          ],
        },
        computedAt: '2026-12-01T12:00:00Z',
      }),
    };
    await renderInTestApp(
      <TestApiProvider apis={[[adoptionApiRef, inventoryApi]]}>
        <AdoptionPage />
      </TestApiProvider>,
    );
    fireEvent.click(await screen.findByRole('tab', { name: 'Inventory' }));
    expect(await screen.findByTestId('measurement')).toHaveTextContent(
      'platform request telemetry (requestsByTeam)',
    );
    expect(screen.getByTestId('audit-measurement')).toHaveTextContent(
      'platform audit store (activityByTeam)',
    );
    const reporting = screen.getByTestId('callers-export-reporting');
    expect(reporting).toHaveTextContent('7');
    expect(reporting).toHaveTextContent('service:plugin:reports-worker');
    expect(
      screen.getByTestId('callers-export-service:plugin:reports-worker'),
    ).toHaveTextContent('service:plugin:reports-worker → reporting');
    expect(
      screen.getByTestId('callers-export-service:portal-api-token'),
    ).toHaveTextContent('(unmapped service)');
    // Audit-store only: no telemetry call, its records counted in their own column.
    const dashboards = screen.getByTestId('callers-export-dashboards');
    expect(
      dashboards.querySelector('[data-testid="calls30d"]'),
    ).toHaveTextContent('0');
    expect(
      dashboards.querySelector('[data-testid="events30d"]'),
    ).toHaveTextContent('5');
    expect(
      screen.getByText('dashboards (audit store only)'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('service-principals')).toHaveTextContent(
      'ignored: not from an organisation catalog location',
    );
    expect(
      screen.getByTestId('deprecated-export-v1-reporting'),
    ).toHaveTextContent('3');
    expect(
      screen.getByTestId('deprecated-export-v1-service:portal-api-token'),
    ).toHaveTextContent('(unmapped service)');
    expect(screen.getByText(/routes \/api\/exports\/v1\//)).toBeInTheDocument();
  });

  it('sends only changed fields when a risk is edited and reloads', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[adoptionApiRef, api]]}>
        <AdoptionPage />
      </TestApiProvider>,
    );
    fireEvent.click(await screen.findByRole('tab', { name: 'Risks' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    fireEvent.change(screen.getByLabelText('status'), {
      target: { value: 'mitigating' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('mitigating')).toBeInTheDocument();
    expect(updates).toEqual([['staffing-delay', { status: 'mitigating' }]]);
  });
});
