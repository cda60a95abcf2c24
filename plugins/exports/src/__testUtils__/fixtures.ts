import { DatasetDescription } from '@internal/plugin-filters-common';
import { FiltersApi } from '@internal/plugin-filters-react';
import { ExportJob, ExportsApi, ExportStats } from '../api/ExportsApi';

export const ACCOUNT = '0b5b2e76-0e34-4a0f-9a49-5e1f3c8f1a11';

export const dataset: DatasetDescription = {
  id: 'events',
  title: 'Product analytics events',
  defaultOrder: { field: 'occurred_at', direction: 'desc' },
  costThreshold: 50000,
  statementTimeoutMs: 5000,
  hasReplica: false,
  fields: [
    {
      name: 'id',
      label: 'Event id',
      type: 'uuid',
      operators: [],
      indexed: false,
      nullable: false,
    },
    {
      name: 'occurred_at',
      label: 'Occurred at',
      type: 'timestamp',
      operators: [],
      indexed: true,
      nullable: false,
    },
    {
      name: 'email',
      label: 'Email',
      type: 'string',
      operators: [],
      indexed: false,
      nullable: true,
      dataClass: 'pii',
    },
  ],
};

export function job(overrides: Partial<ExportJob> = {}): ExportJob {
  return {
    id: '6f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e11',
    status: 'running',
    dataset: 'events',
    accountId: ACCOUNT,
    format: 'csv',
    delivery: { type: 'download' },
    progress: 0.4,
    rowsWritten: 400,
    bytesWritten: 4000,
    rowsEstimated: 1000,
    etaSeconds: 12,
    attempts: 1,
    createdAt: '2026-12-01T12:00:00Z',
    region: 'eu',
    requestedBy: 'user:default/maya.cohen',
    ...overrides,
  };
}

export function fakeFiltersApi(): jest.Mocked<FiltersApi> {
  return {
    listDatasets: jest.fn().mockResolvedValue({ datasets: [dataset] }),
    searchAccounts: jest.fn().mockImplementation(async ({ q }) => ({
      accounts:
        !q || 'acme analytics'.includes(q.toLowerCase())
          ? [
              {
                id: ACCOUNT,
                name: 'Acme Analytics',
                plan: 'enterprise',
                region: 'eu',
              },
            ]
          : [],
      nextOffset: null,
    })),
    count: jest.fn().mockResolvedValue({
      count: 2500,
      stats: { measuredAt: '2026-12-01T12:00:00Z' },
    }),
    explain: jest.fn(),
    query: jest.fn(),
  } as jest.Mocked<FiltersApi>;
}

export function fakeExportsApi(
  jobs: ExportJob[] = [],
): jest.Mocked<ExportsApi> {
  return {
    create: jest.fn().mockImplementation(async () => job({ status: 'queued' })),
    list: jest
      .fn()
      .mockImplementation(async () => ({ items: jobs, total: jobs.length })),
    cancel: jest
      .fn()
      .mockImplementation(async () => job({ status: 'cancelled' })),
    retry: jest.fn().mockImplementation(async () => job({ status: 'queued' })),
    downloadUrl: jest
      .fn()
      .mockResolvedValue('http://localhost/api/exports/v1/download/t'),
    deliveries: jest.fn().mockResolvedValue([]),
    stats: jest.fn().mockImplementation(async (hours: number) => stats(hours)),
  };
}

export function stats(hours = 24): ExportStats {
  return {
    measuredAt: '2026-12-01T12:00:00Z',
    hours,
    bucketSeconds: hours * 75,
    sloSeconds: 60,
    queueDepth: [
      { at: '2026-12-01T11:30:00Z', depth: 3 },
      { at: '2026-12-01T12:00:00Z', depth: 1 },
    ],
    durations: {
      buckets: [
        { le: 30, count: 4 },
        { le: 60, count: 2 },
        { le: null, count: 1 },
      ],
      count: 7,
      withinSlo: 6,
      p50Seconds: 21.5,
      p90Seconds: 70.2,
    },
    outcomes: { succeeded: 7, failed: 1, cancelled: 2 },
    failuresByType: [{ errorType: 'size_limit', count: 1, rate: 0.125 }],
  };
}
