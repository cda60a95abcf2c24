import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { seedProductData } from '@internal/dev-database';
import { FilterEngine } from '@internal/plugin-filters-node';
import { connectionOfKnex } from '@internal/plugin-filters-node/testUtils';
import { Knex } from 'knex';
import { demoEngine } from '../../../__testUtils__/throttledExporter';
import { ExportRunnerOptions } from '../../ExportRunner';
import { DbExportJobRow, ExportStore, NewExportJob } from '../../ExportStore';

export interface ExportRunnerFixture {
  product: Knex;
  own: Knex;
  engine: FilterEngine;
  store: ExportStore;
  /** The account with the most demo events. */
  account: string;
}

/**
 * Registers hooks that create a product database with demo data and a migrated exports
 * database on the test Postgres; the returned getter gives them to tests.
 */
export function useExportRunnerFixture(
  eventRows = 20_000,
): () => ExportRunnerFixture {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let fixture: ExportRunnerFixture | undefined;
  beforeAll(async () => {
    const product = await databases.init('POSTGRES_18');
    const own = await databases.init('POSTGRES_18');
    await own.migrate.latest({
      directory: `${__dirname}/../../../../migrations`,
    });
    await seedProductData(product, { eventRows });
    const account = String(
      (await product('events')
        .select('account_id')
        .count('* as n')
        .groupBy('account_id')
        .orderBy('n', 'desc')
        .first())!.account_id,
    );
    const engine = demoEngine(
      JSON.parse(JSON.stringify(connectionOfKnex(product))),
    );
    fixture = { product, own, engine, store: new ExportStore(own), account };
  });
  afterAll(async () => {
    await fixture?.engine.close();
  });
  return () => {
    if (!fixture) throw new Error('the export runner fixture is not set up');
    return fixture;
  };
}

/** An EU-or-US CSV job of demo events readable at data class `public`. */
export function demoCsvJob(
  account: string,
  overrides: Partial<NewExportJob> = {},
): NewExportJob {
  return {
    dataset: 'events',
    accountId: account,
    region: 'eu',
    plan: 'enterprise',
    format: 'csv',
    delivery: { type: 'download' },
    fields: ['id', 'event_type', 'country', 'properties'],
    readableDataClasses: ['public'],
    requestedBy: 'user:default/a',
    ...overrides,
  };
}

/** Runner options of the tests: one worker, fast heartbeats and polls. */
export const testRunnerTiming: Omit<
  ExportRunnerOptions,
  'store' | 'storage' | 'exporter'
> = {
  logger: mockServices.logger.mock(),
  workers: 1,
  leaseMs: 30_000,
  heartbeatMs: 100,
  pollMs: 50,
  perTenantLimit: 2,
  retentionMs: 86_400_000,
  maxBytes: 1024 ** 3,
};

/** Polls the job until `done` holds (or fails the test after `timeoutMs`). */
export async function waitForJob(
  store: ExportStore,
  id: string,
  done: (row: DbExportJobRow) => boolean,
  timeoutMs = 60_000,
): Promise<DbExportJobRow> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await store.get(id);
    if (row && done(row)) return row;
    if (Date.now() > until) throw new Error(`job ${id} never got there`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}
