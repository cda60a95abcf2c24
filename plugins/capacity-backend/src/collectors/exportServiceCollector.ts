import { ExportJobsReader } from '@internal/plugin-exports-node';
import { Collector, CollectorOutput } from './types';

const SOURCE = "exports plugin's export_jobs table (exports-node reader)";
const GB = 1e9;

/**
 * The export service as its jobs table records it, read through exports-node (the shared
 * queue and the stored files, so any replica sees all of them): queue depth and oldest-job
 * age, and the bytes of stored files per region.
 */
export class ExportServiceCollector implements Collector {
  readonly name = 'export-service';

  constructor(
    private readonly reader: Pick<
      ExportJobsReader,
      'queue' | 'storedBytesByRegion'
    >,
  ) {}

  async collect(): Promise<CollectorOutput> {
    const out: CollectorOutput = { samples: [], measured: [], unavailable: [] };
    try {
      const queue = await this.reader.queue();
      const source = `${SOURCE}: queued jobs`;
      out.samples.push({
        limit: 'export-queue-depth',
        value: queue.queued,
        source,
      });
      out.measured.push(
        {
          metric: 'export-queue-depth',
          value: queue.queued,
          unit: 'jobs',
          source,
        },
        {
          metric: 'export-jobs-running',
          value: queue.running,
          unit: 'jobs',
          source: `${SOURCE}: running jobs`,
        },
        {
          metric: 'export-oldest-job-age',
          value: queue.oldestQueuedAgeSeconds ?? 0,
          unit: 's',
          source: `${SOURCE}: age of the oldest queued job (0 when none waits)`,
        },
      );
    } catch (error) {
      const reason = `export_jobs unreadable: ${(error as Error).message}`;
      out.unavailable.push(
        { metric: 'export-queue-depth', reason },
        { metric: 'export-oldest-job-age', reason },
      );
    }
    try {
      const regions = await this.reader.storedBytesByRegion();
      const total = regions.reduce((sum, r) => sum + r.bytes, 0);
      const source = `${SOURCE}: bytes_written of succeeded, not yet purged jobs, ${
        regions
          .map(r => `${r.region} ${(r.bytes / GB).toFixed(3)} GB`)
          .join(', ') || 'no stored files'
      }; GB = 10^9 bytes`;
      out.samples.push({
        limit: 'export-storage',
        value: Number((total / GB).toFixed(6)),
        source,
      });
      out.measured.push({
        metric: 'export-storage',
        value: total,
        unit: 'bytes',
        source,
      });
      for (const r of regions) {
        out.measured.push({
          metric: `export-storage-${r.region}`,
          value: r.bytes,
          unit: 'bytes',
          source: `${SOURCE}: ${r.files} stored files in region ${r.region}`,
        });
      }
    } catch (error) {
      out.unavailable.push({
        metric: 'export-storage',
        reason: `export_jobs unreadable: ${(error as Error).message}`,
      });
    }
    return out;
  }
}
