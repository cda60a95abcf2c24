import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { DatasetDescription } from '@internal/plugin-filters-common';
import { FiltersApi, filtersApiRef } from '@internal/plugin-filters-react';
import { DataExplorerPage } from './DataExplorerPage';

const dataset: DatasetDescription = {
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
  ],
};
const ACCOUNT = '0b5b2e76-0e34-4a0f-9a49-5e1f3c8f1a11';
const ACME = {
  id: ACCOUNT,
  name: 'Acme Analytics',
  plan: 'enterprise' as const,
  region: 'eu' as const,
};

function fakeApi(): jest.Mocked<FiltersApi> {
  return {
    listDatasets: jest.fn().mockResolvedValue({ datasets: [dataset] }),
    searchAccounts: jest.fn().mockImplementation(async ({ q }) => ({
      accounts: !q || 'acme analytics'.includes(q.toLowerCase()) ? [ACME] : [],
      nextOffset: null,
    })),
    explain: jest.fn().mockResolvedValue({
      estimatedCost: 12,
      estimatedRows: 3,
      costThreshold: 50000,
      wouldRun: true,
      suggestedFields: [],
      planNodes: [],
      sql: '',
      bindingsCount: 1,
      measuredAt: '2026-11-30T10:00:00Z',
    }),
    query: jest.fn(),
    count: jest.fn(),
  };
}

// The page waits on debounced searches and estimates and renders a table: on a loaded
// 2-core machine that can take longer than jest's default 5 s (a harness budget, not a check).
jest.setTimeout(30_000);

describe('DataExplorerPage', () => {
  it('estimates, previews rows and shows where the figures come from', async () => {
    const api = fakeApi();
    api.query.mockResolvedValue({
      rows: [{ id: 'e1', occurred_at: '2026-11-29T10:00:00Z' }],
      fields: ['id', 'occurred_at'],
      omittedFields: ['email'],
      nextCursor: null,
      stats: {
        servedBy: 'replica',
        estimatedCost: 12,
        estimatedRows: 3,
        costFromCache: true,
        durationMs: 1.25,
        rowsScanned: 7,
        rowsReturned: 1,
        shapeHash: 'h',
        filterHash: 'h',
        measuredAt: '2026-11-30T10:00:01Z',
      },
    });
    await renderInTestApp(
      <TestApiProvider apis={[[filtersApiRef, api]]}>
        <DataExplorerPage />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('Filter: Product analytics events'),
    ).toBeInTheDocument();
    // Pick the account by name: the picker searches and shows plan and region.
    fireEvent.change(screen.getByLabelText('Account'), {
      target: { value: 'acme' },
    });
    await waitFor(() =>
      expect(api.searchAccounts).toHaveBeenCalledWith(
        expect.objectContaining({ q: 'acme' }),
      ),
    );
    fireEvent.click(await screen.findByText('Acme Analytics'));
    expect(
      await screen.findByText(`Enterprise, region EU · ${ACCOUNT}`),
    ).toBeInTheDocument();
    await waitFor(
      () =>
        expect(api.explain).toHaveBeenCalledWith(
          expect.objectContaining({ dataset: 'events', accountId: ACCOUNT }),
        ),
      { timeout: 3000 },
    );
    expect(await screen.findByTestId('filter-estimate')).toHaveTextContent(
      'Estimate: ~3 rows, cost 12',
    );
    fireEvent.click(screen.getByText('Preview rows'));
    expect(await screen.findByText('e1')).toBeInTheDocument();
    expect(
      screen.getByText(
        /Measured by the filter engine at 2026-11-30T10:00:01Z: 1.3 ms on the replica/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Hidden \(data class\): email/),
    ).toBeInTheDocument();
  });

  it('takes a pasted account id as is', async () => {
    const api = fakeApi();
    await renderInTestApp(
      <TestApiProvider apis={[[filtersApiRef, api]]}>
        <DataExplorerPage />
      </TestApiProvider>,
    );
    await screen.findByText('Filter: Product analytics events');
    const other = '5d2e4a58-4b8c-41ee-be56-0242ac120002';
    fireEvent.change(screen.getByLabelText('Account'), {
      target: { value: other.toUpperCase() },
    });
    await waitFor(
      () =>
        expect(api.explain).toHaveBeenCalledWith(
          expect.objectContaining({ accountId: other }),
        ),
      { timeout: 3000 },
    );
  });
});
