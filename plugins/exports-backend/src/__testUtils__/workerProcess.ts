/* A backend worker process for the crash and two-process tests: runs the export queue until it is killed. */
import knexFactory from 'knex';
import { ExportRunner } from '../service/ExportRunner';
import { ExportStore } from '../service/ExportStore';
import { LocalExportStorage } from '../service/LocalExportStorage';
import { demoEngine, throttledExporter } from './throttledExporter';

const options = JSON.parse(process.env.EXPORTS_TEST_WORKER!);
const own = knexFactory({ client: 'pg', connection: options.own });
const runner = new ExportRunner({
  store: new ExportStore(own),
  storage: new LocalExportStorage(options.root),
  exporter: throttledExporter(
    demoEngine(options.product),
    options.delayMsPerChunk,
  ),
  logger: console as any,
  workers: options.workers ?? 1,
  leaseMs: options.leaseMs,
  heartbeatMs: options.heartbeatMs,
  pollMs: 50,
  perTenantLimit: 2,
  retentionMs: 86_400_000,
  maxBytes: 1024 ** 3,
  // The exactly-once test counts which process finished which job.
  onFinished: (job, outcome) => process.stdout.write(`${outcome} ${job.id}\n`),
});
runner.start();
process.stdout.write('ready\n');
