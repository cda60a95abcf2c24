import { ExportQueueCollector } from './exportQueueCollector';

function registry(values: Record<string, number[]>) {
  return {
    getSingleMetric(name: string) {
      if (!(name in values)) return undefined;
      return {
        async get() {
          return { values: values[name].map(value => ({ value })) };
        },
      };
    },
  };
}

describe('ExportQueueCollector', () => {
  it('turns the exports gauges into a live queue-depth sample and the oldest-job age', async () => {
    const out = await new ExportQueueCollector(
      registry({
        export_queue_depth: [37],
        export_queue_oldest_age_seconds: [12.5],
      }),
    ).collect();
    expect(out.samples).toEqual([
      expect.objectContaining({ limit: 'export-queue-depth', value: 37 }),
    ]);
    expect(out.measured).toEqual([
      expect.objectContaining({ metric: 'export-queue-depth', value: 37 }),
      expect.objectContaining({
        metric: 'export-oldest-job-age',
        value: 12.5,
        unit: 's',
      }),
    ]);
    expect(out.unavailable.map(u => u.metric)).toEqual(['export-storage']);
  });

  it('says why when the exports plugin does not run here, and invents nothing', async () => {
    const out = await new ExportQueueCollector(registry({})).collect();
    expect(out.samples).toEqual([]);
    expect(out.measured).toEqual([]);
    expect(out.unavailable).toEqual([
      {
        metric: 'export-queue-depth',
        reason:
          'no source: export_queue_depth is not registered (the exports plugin does not run in this backend)',
      },
      {
        metric: 'export-oldest-job-age',
        reason:
          'no source: export_queue_oldest_age_seconds is not registered (the exports plugin does not run in this backend)',
      },
      expect.objectContaining({ metric: 'export-storage' }),
    ]);
  });
});
