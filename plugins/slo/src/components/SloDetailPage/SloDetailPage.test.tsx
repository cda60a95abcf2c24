import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { SloApi, sloApiRef, SloDetail } from '../../api/SloApi';
import { SloListPage } from '../SloListPage';
import { SloDetailContent } from './SloDetailPage';

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const summary = {
  id: 'availability',
  name: 'Platform availability 99.9 % monthly',
  journey: 'Overall availability',
  service: 'platform-portal',
  owner: 'group:default/sre',
  objective: 0.999,
  window: 'calendar-month',
  origin: 'file' as const,
  sliSource: 'requests',
  sliKind: 'ratio' as const,
  runbook: 'db-failover',
  sli: 0.9985,
  good: 9985,
  total: 10000,
  budget: { remaining: -0.5, consumed: 1.5 },
  policy: {
    state: 'freeze' as const,
    reason: 'Freeze non-critical deploys: -50.0% of the error budget remains',
  },
  dataStatus: { ok: true, message: 'measured', lastMinute: null },
};

const detail: SloDetail = {
  ...summary,
  asOf: '2026-12-01T12:00:00.000Z',
  burnRates: [5, 30, 60].map(w => ({ windowMinutes: w, value: 1.5 })),
  alerts: [
    {
      name: 'fast-burn',
      severity: 'page',
      factor: 10,
      longWindowMinutes: 60,
      shortWindowMinutes: 5,
      longBurnRate: 1.5,
      shortBurnRate: 1.5,
      condition: false,
      state: 'inactive',
      since: '2026-12-01T11:00:00.000Z',
      runbook: 'db-failover',
    },
  ],
  burnDown: [{ minute: '2026-12-01T00:00:00.000Z', remaining: 1 }],
};

const fakeApi = (): SloApi => ({
  listSlos: async () => ({
    evaluatedAt: '2026-12-01T12:00:00.000Z',
    items: [
      summary,
      {
        ...summary,
        id: 'permission-check-cached',
        name: 'Cached permission checks p99 under 5 ms',
        owner: 'group:default/platform-services',
        sli: null,
        total: 0,
        good: 0,
        budget: { remaining: null, consumed: null },
        policy: { state: 'unknown', reason: 'no traffic' },
        dataStatus: {
          ok: false,
          message:
            "no data: no events in the rolling-30d window yet (source: the permission service's decision latency histograms (cached decisions, per minute))",
          lastMinute: null,
        },
      },
    ],
  }),
  getSlo: async () => detail,
  getHistory: async () => ({ months: [], policyEvents: [] }),
  listAlerts: async () => ({ current: [], history: [] }),
  getRunbook: async () => ({ name: 'x', title: 'X', markdown: '# X' }),
  listRunbooks: async () => ({ items: [] }),
});

// The first render loads the page chunks: seconds on a shared 2-core machine.
jest.setTimeout(30_000);

describe('SLO pages', () => {
  beforeAll(() => {
    (globalThis as any).ResizeObserver = ResizeObserverStub;
  });

  it('lists SLOs with SLI, budget and policy, and says plainly when a source has no data', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[sloApiRef, fakeApi()]]}>
        <SloListPage />
      </TestApiProvider>,
    );
    expect(await screen.findByText('2 SLOs')).toBeInTheDocument();
    expect(screen.getByText('99.850% (10,000 events)')).toBeInTheDocument();
    expect(screen.getByText('freeze non-critical deploys')).toBeInTheDocument();
    expect(
      screen.getByText(
        "no data: no events in the rolling-30d window yet (source: the permission service's decision latency histograms (cached decisions, per minute))",
      ),
    ).toBeInTheDocument();
  });

  it('shows the alert table with runbook links and the freeze reason', async () => {
    await renderInTestApp(
      <SloDetailContent
        slo={detail}
        history={{ months: [], policyEvents: [] }}
        alertChanges={[
          {
            id: 1,
            sloId: 'availability',
            alert: 'fast-burn',
            fromState: 'inactive',
            toState: 'firing',
            at: '2026-12-01T10:30:00.000Z',
            longBurnRate: 10.33,
            shortBurnRate: 20,
            delivery: 'delivered',
          },
        ]}
      />,
    );
    expect(screen.getByTestId('current-sli')).toHaveTextContent('99.850%');
    expect(screen.getByText('db-failover').closest('a')).toHaveAttribute(
      'href',
      '/runbooks/db-failover',
    );
    expect(
      screen.getByText(/Error-budget policy: freeze non-critical deploys/),
    ).toBeInTheDocument();
    // The reason shows in the policy panel and the budget card.
    expect(
      screen.getAllByText(/Freeze non-critical deploys: -50.0%/).length,
    ).toBe(2);
    expect(screen.getByTestId('burn-rate-chart')).toBeInTheDocument();
    expect(screen.getByText('inactive → firing')).toBeInTheDocument();
    expect(screen.getByText('delivered')).toBeInTheDocument();
  });
});
