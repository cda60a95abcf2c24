import { Collector, CollectorOutput } from './types';

/** The part of a prom-client Registry this collector reads. */
export interface MetricsRegistryReader {
  getSingleMetric(name: string):
    | {
        get(): Promise<{ values: Array<{ value: number }> }> | unknown;
      }
    | undefined;
}

const QUEUE_DEPTH = 'export_queue_depth';
const OLDEST_AGE = 'export_queue_oldest_age_seconds';

/**
 * The export queue as the exports plugin reports it on the platform hub's Prometheus registry
 * (its gauges read the shared queue table when collected, so any replica sees the whole
 * queue). Reads only those gauges, never the exports plugin's tables. Storage bytes are not
 * exposed by the exports plugin, so they stay unavailable with that reason.
 */
export class ExportQueueCollector implements Collector {
  readonly name = 'export-service';

  constructor(private readonly metrics: MetricsRegistryReader) {}

  async collect(): Promise<CollectorOutput> {
    const out: CollectorOutput = { samples: [], measured: [], unavailable: [] };
    const depth = await this.gauge(QUEUE_DEPTH);
    if (typeof depth === 'number') {
      const source = `${QUEUE_DEPTH} (exports plugin gauge on the platform hub's Prometheus registry; queued jobs in the shared queue)`;
      out.samples.push({ limit: 'export-queue-depth', value: depth, source });
      out.measured.push({
        metric: 'export-queue-depth',
        value: depth,
        unit: 'jobs',
        source,
      });
    } else {
      out.unavailable.push({ metric: 'export-queue-depth', reason: depth });
    }
    const age = await this.gauge(OLDEST_AGE);
    if (typeof age === 'number') {
      out.measured.push({
        metric: 'export-oldest-job-age',
        value: age,
        unit: 's',
        source: `${OLDEST_AGE} (exports plugin gauge; 0 when no job waits)`,
      });
    } else {
      out.unavailable.push({ metric: 'export-oldest-job-age', reason: age });
    }
    out.unavailable.push({
      metric: 'export-storage',
      reason:
        'no source: the exports plugin exposes no storage-bytes metric (per region) yet',
    });
    return out;
  }

  /** The gauge's value, or why there is none. */
  private async gauge(name: string): Promise<number | string> {
    const metric = this.metrics.getSingleMetric(name);
    if (!metric) {
      return `no source: ${name} is not registered (the exports plugin does not run in this backend)`;
    }
    const { values } = (await metric.get()) as {
      values: Array<{ value: number }>;
    };
    if (values.length !== 1 || !Number.isFinite(values[0].value)) {
      return `no source: ${name} reported ${values.length} values`;
    }
    return values[0].value;
  }
}
