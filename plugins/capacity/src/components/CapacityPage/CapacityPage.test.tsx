import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  capacityApiRef,
  CapacityApi,
  LimitViewDto,
} from '../../api/CapacityApi';
import { CapacityPage } from './CapacityPage';

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const base = {
  metric: 'm',
  source: 's',
  leadTimeWeeks: { min: 2, max: 3 },
  owner: 'group:default/platform-services',
  mitigation: { project: 'S1', description: 'PgBouncer' },
  runbook: 'postgres-connections',
  traffic: 'level' as const,
  estimate: { value: 150, note: 'spec' },
  origin: 'file' as const,
  policy: 'policy text',
  statusReason: 'below trigger',
};

const limits: LimitViewDto[] = [
  {
    ...base,
    id: 'postgres-connections',
    name: 'Postgres connections',
    unit: 'connections',
    trigger: 300,
    critical: 380,
    current: {
      value: 12,
      source: 'pg_stat_activity',
      provenance: 'live',
      at: new Date().toISOString(),
    },
    forecast: {
      refused: 'only 1 sample in the last 14 days; a forecast needs at least 6',
      points: 1,
      windowDays: 14,
    },
    status: 'green',
    daysToTrigger: null,
    percentOfTrigger: 4,
    recent: [],
  },
  {
    ...base,
    id: 'export-queue-depth',
    name: 'Export queue depth',
    unit: 'jobs',
    trigger: 200,
    critical: 1000,
    current: {
      value: 165,
      source: 'gauge',
      provenance: 'pushed',
      at: new Date().toISOString(),
    },
    forecast: {
      points: 2,
      windowDays: 14,
      slopePerDay: 5,
      intercept: 160,
      origin: new Date(Date.now() - 86_400_000).toISOString(),
      r2: 1,
      triggerAt: '2026-12-08T00:00:00.000Z',
      criticalAt: null,
      actBy: '2026-11-24T00:00:00.000Z',
    },
    status: 'red',
    statusReason: 'act-by date 2026-11-24 has passed',
    daysToTrigger: 7,
    percentOfTrigger: 82.5,
    recent: [
      {
        value: 160,
        at: new Date(Date.now() - 86_400_000).toISOString(),
        provenance: 'pushed',
      },
      {
        value: 165,
        at: new Date().toISOString(),
        provenance: 'pushed',
      },
    ],
  },
  {
    ...base,
    id: 'export-storage',
    name: 'Export object storage',
    unit: 'GB',
    trigger: 500,
    critical: 1000,
    current: {
      value: 50,
      source: 'declared estimate',
      provenance: 'estimate',
      at: '2026-03-17T00:00:00.000Z',
    },
    collectorNote: 'no source: export service not deployed',
    forecast: {
      refused:
        'only 0 samples in the last 14 days; a forecast needs at least 6',
      points: 0,
      windowDays: 14,
    },
    status: 'green',
    daysToTrigger: null,
    percentOfTrigger: 10,
    recent: [],
  },
];

const api: Partial<CapacityApi> = {
  listLimits: async () => ({
    generatedAt: new Date().toISOString(),
    settings: {
      windowDays: 14,
      minPoints: 6,
      minR2: 0.7,
      yellowWithinDays: 14,
      growthMultiplier: 5,
      growthOverDays: 182,
    },
    limits,
  }),
};

describe('CapacityPage', () => {
  beforeAll(() => {
    (global as any).ResizeObserver = ResizeObserverStub;
  });

  it('shows each limit with its provenance, forecast or refusal, status and collector note', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[capacityApiRef, api]]}>
        <CapacityPage />
      </TestApiProvider>,
    );
    expect(await screen.findByText('Postgres connections')).toBeInTheDocument();
    expect(
      screen.getByTestId('provenance-postgres-connections'),
    ).toHaveAttribute('data-provenance', 'live');
    expect(
      screen.getByTestId('provenance-export-queue-depth'),
    ).toHaveTextContent(/^pushed · \d+ s ago$/);
    expect(screen.getByTestId('provenance-export-storage')).toHaveTextContent(
      /^declared estimate · \d+ days ago$/,
    );
    expect(
      screen.getByText('Collector: no source: export service not deployed'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('status-export-queue-depth')).toHaveTextContent(
      'RED',
    );
    expect(screen.getByText(/No forecast: only 1 sample/)).toBeInTheDocument();
    expect(
      screen.getByText(/Fit over 2 samples \/ 14 days: 5 jobs\/day, R² 1.00/),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('link', { name: 'runbook' })[0]).toHaveAttribute(
      'href',
      '/runbooks/postgres-connections',
    );
  });
});
