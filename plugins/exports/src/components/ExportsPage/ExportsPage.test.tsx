import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { filtersApiRef } from '@internal/plugin-filters';
import { ExportJob, ExportsApi, exportsApiRef } from '../../api/ExportsApi';
import { ExportsPage } from './ExportsPage';

const job = (overrides: Partial<ExportJob>): ExportJob => ({
  id: '6f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e11',
  status: 'running',
  dataset: 'events',
  accountId: '0cc175b9-c0f1-b6a8-31c3-99e269772661',
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
});

describe('ExportsPage', () => {
  it('shows my exports with live progress and the actions each status allows', async () => {
    const cancelled: string[] = [];
    const api: ExportsApi = {
      create: jest.fn(),
      list: async () => ({
        items: [
          job({}),
          job({
            id: '7f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e12',
            status: 'failed',
            progress: 0,
            error: { type: 'permission_revoked', message: 'revoked' },
          }),
        ],
        total: 2,
      }),
      cancel: async id => {
        cancelled.push(id);
        return job({ status: 'cancelled' });
      },
      retry: jest.fn(),
      downloadUrl: jest.fn(),
    };
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [exportsApiRef, api],
          [
            filtersApiRef,
            { searchAccounts: async () => ({ accounts: [] }) } as any,
          ],
        ]}
      >
        <ExportsPage />
      </TestApiProvider>,
    );
    expect(await screen.findByText('My exports')).toBeInTheDocument();
    await waitFor(() =>
      expect(
        screen.getByLabelText(
          'progress of export 6f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e11',
        ),
      ).toHaveAttribute('aria-valuenow', '40'),
    );
    expect(
      screen.getByText(/400 rows of ~1,000 · ETA 12 s/),
    ).toBeInTheDocument();
    expect(screen.getByText(/permission_revoked: revoked/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Create export' }),
    ).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(cancelled).toEqual(['6f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e11']),
    );
  });
});
