import { waitFor } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { platformApiRef } from '../api/PlatformApi';
import { PlatformRumReporter } from './PlatformRumReporter';

describe('PlatformRumReporter', () => {
  it('reports the page load of the current route', async () => {
    const reportPageTiming = jest.fn(async () => {});
    await renderInTestApp(
      <TestApiProvider apis={[[platformApiRef, { reportPageTiming } as any]]}>
        <PlatformRumReporter />
      </TestApiProvider>,
      { routeEntries: ['/catalog/default/component/export-service'] },
    );
    await waitFor(() => expect(reportPageTiming).toHaveBeenCalledTimes(1));
    const [timing] = reportPageTiming.mock.calls[0] as any[];
    expect(timing).toMatchObject({
      route: '/catalog/default/component/export-service',
      kind: 'page-load',
    });
    expect(timing.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('never lets a failed report break the page', async () => {
    const reportPageTiming = jest.fn(async () => {
      throw new Error('401');
    });
    await renderInTestApp(
      <TestApiProvider apis={[[platformApiRef, { reportPageTiming } as any]]}>
        <div>page</div>
        <PlatformRumReporter />
      </TestApiProvider>,
    );
    await waitFor(() => expect(reportPageTiming).toHaveBeenCalled());
  });
});
