import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  MockPermissionApi,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { filtersApiRef } from '@internal/plugin-filters-react';
import { exportsApiRef } from '../../api/ExportsApi';
import {
  ACCOUNT,
  fakeExportsApi,
  fakeFiltersApi,
  job,
} from '../../__testUtils__/fixtures';
import { ExportsPage } from './ExportsPage';

// Debounced searches and counts on a loaded 2-core machine (a harness budget, not a check).
jest.setTimeout(30_000);

/** Allows everything except the permissions (and data classes) listed. */
const permissionsDenying = (denied: string[]) =>
  new MockPermissionApi(request =>
    denied.includes(request.permission.name) ||
    denied.includes(
      `${request.permission.name}:${(request as any).resourceRef}`,
    )
      ? AuthorizeResult.DENY
      : AuthorizeResult.ALLOW,
  );

async function renderPage(
  exportsApi = fakeExportsApi(),
  filtersApi = fakeFiltersApi(),
  permissionApi = permissionsDenying([]),
) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [exportsApiRef, exportsApi],
        [filtersApiRef, filtersApi],
        [permissionApiRef, permissionApi],
      ]}
    >
      <ExportsPage />
    </TestApiProvider>,
  );
  return { exportsApi, filtersApi };
}

describe('ExportsPage', () => {
  it('shows my exports with live progress and the actions each status allows', async () => {
    const exportsApi = fakeExportsApi([
      job(),
      job({
        id: '7f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e12',
        status: 'failed',
        progress: 0,
        error: { type: 'permission_revoked', message: 'revoked' },
      }),
    ]);
    await renderPage(exportsApi);
    expect(await screen.findByText('My exports')).toBeInTheDocument();
    await waitFor(() =>
      expect(
        screen.getByLabelText(
          'progress of export 6f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e11',
        ),
      ).toHaveAttribute('aria-valuenow', '40'),
    );
    expect(
      screen.getByText(/400 rows of ~1,000 · 3.9 KB · ETA 12 s/),
    ).toBeInTheDocument();
    expect(screen.getByText(/permission_revoked: revoked/)).toBeInTheDocument();
    expect(
      screen.getByText('Updating every 2 s while exports run'),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() =>
      expect(exportsApi.retry).toHaveBeenCalledWith(
        '7f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e12',
      ),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(exportsApi.cancel).toHaveBeenCalledWith(
        '6f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e11',
      ),
    );
  });

  it('creates an export of an account picked by name, without the PII column one may not read', async () => {
    const exportsApi = fakeExportsApi([
      job({
        status: 'succeeded',
        progress: 1,
        rowsWritten: 100,
        bytesWritten: 6400,
      }),
    ]);
    const { filtersApi } = await renderPage(
      exportsApi,
      fakeFiltersApi(),
      permissionsDenying([
        'filters.data-class.read:pii',
        'exports.export.admin',
      ]),
    );
    expect(await screen.findByText('New export')).toBeInTheDocument();
    // PII column: marked and disabled.
    await waitFor(() =>
      expect(screen.getByLabelText('column email')).toBeDisabled(),
    );
    expect(screen.getByText('PII')).toBeInTheDocument();
    expect(screen.getByLabelText('column id')).toBeChecked();
    expect(
      screen.getByRole('button', { name: 'Create export' }),
    ).toBeDisabled();
    // No admin tab without exports.export.admin.
    expect(
      screen.queryByRole('tab', { name: 'Admin' }),
    ).not.toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('Account'), {
      target: { value: 'acme' },
    });
    fireEvent.click(await screen.findByText('Acme Analytics'));
    expect(
      await screen.findByText(`Enterprise, region EU · ${ACCOUNT}`),
    ).toBeInTheDocument();
    // The live estimate: counted rows, size from the measured bytes/row of an earlier export.
    await waitFor(
      () =>
        expect(screen.getByTestId('export-estimate')).toHaveTextContent(
          /Estimate: 2,500 rows \(counted by the filter engine at .*\), ~156 KB \(64 bytes\/row measured on export 6f1c1f3e\)/,
        ),
      { timeout: 5000 },
    );
    expect(filtersApi.count).toHaveBeenCalledWith(
      expect.objectContaining({ dataset: 'events', accountId: ACCOUNT }),
    );
    await userEvent.click(screen.getByLabelText('column occurred_at'));
    await userEvent.click(
      screen.getByRole('button', { name: 'Create export' }),
    );
    await waitFor(() =>
      expect(exportsApi.create).toHaveBeenCalledWith({
        dataset: 'events',
        accountId: ACCOUNT,
        fields: ['id'],
        format: 'csv',
        delivery: { type: 'download' },
      }),
    );
  });

  it("opens a webhook export's delivery log", async () => {
    const exportsApi = fakeExportsApi([
      job({
        status: 'succeeded',
        progress: 1,
        delivery: { type: 'webhook', url: 'https://hooks.example/x' },
      }),
    ]);
    exportsApi.deliveries.mockResolvedValue([
      {
        attempt: 1,
        url: 'https://hooks.example/x',
        statusCode: 503,
        error: null,
        delivered: false,
        at: '2026-12-01T12:00:01Z',
      },
      {
        attempt: 2,
        url: 'https://hooks.example/x',
        statusCode: 204,
        error: null,
        delivered: true,
        at: '2026-12-01T12:00:02Z',
      },
    ]);
    await renderPage(exportsApi);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Deliveries' }),
    );
    expect(await screen.findByText('503')).toBeInTheDocument();
    expect(screen.getByText('204')).toBeInTheDocument();
    expect(exportsApi.deliveries).toHaveBeenCalledWith(
      '6f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e11',
    );
  });

  it('shows the admin tab with the measured charts to admins', async () => {
    const exportsApi = fakeExportsApi();
    await renderPage(exportsApi);
    await userEvent.click(await screen.findByRole('tab', { name: 'Admin' }));
    expect(await screen.findByTestId('stats-measured')).toHaveTextContent(
      /Measured at .* from the export_jobs table/,
    );
    expect(exportsApi.stats).toHaveBeenCalledWith(24);
    expect(
      screen.getByText(/6 of 7 within the 60 s SLO · p50 21.5 s · p90 70.2 s/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('1 failed of 8 finished (2 cancelled, not counted)'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('queue-depth-chart')).toBeInTheDocument();
    expect(screen.getByTestId('duration-chart')).toBeInTheDocument();
    expect(screen.getByTestId('failure-chart')).toBeInTheDocument();
  });
});
