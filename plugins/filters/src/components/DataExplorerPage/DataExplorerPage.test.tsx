import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { DatasetDescription } from '@internal/plugin-filters-common';
import { FiltersApi, filtersApiRef } from '../../api/FiltersApi';
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

describe('DataExplorerPage', () => {
  it('estimates, previews rows and shows where the figures come from', async () => {
    const api: jest.Mocked<FiltersApi> = {
      listDatasets: jest.fn().mockResolvedValue({ datasets: [dataset] }),
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
      query: jest.fn().mockResolvedValue({
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
      }),
      count: jest.fn(),
    };
    await renderInTestApp(
      <TestApiProvider apis={[[filtersApiRef, api]]}>
        <DataExplorerPage />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('Filter: Product analytics events'),
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Account id'), {
      target: { value: ACCOUNT },
    });
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
});
