import path from 'node:path';
import { Knex } from 'knex';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { DatabaseExportJobsReader } from '@internal/plugin-exports-node';
import {
  insertExportJob,
  migrateExportTables,
} from '@internal/plugin-exports-node/testUtils';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { MINUTE_MS } from '@internal/plugin-slo-common';
import { loadSloFiles } from './loadSloFiles';
import { SloService } from './SloService';
import { SloStore } from './SloStore';
import { SliSources } from './sources';

jest.setTimeout(120_000);

const MB = 1_000_000;
const T0 = Date.UTC(2026, 10, 1, 9, 0);

describe('export-completion SLI from the exports jobs table (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-slo-backend',
        'migrations',
      ),
    });
    await migrateExportTables(knex);
  });

  it("measures the repository's export-completion SLO: succeeded within 60 s among finished jobs under 100 MB", async () => {
    const [slo] = (
      await loadSloFiles(
        path.resolve(__dirname, '../../../../slos'),
        LATENCY_BUCKETS_MS,
      )
    ).filter(s => s.id === 'export-completion');
    expect(slo.sli).toEqual({
      source: 'export-jobs',
      kind: 'latency',
      thresholdMs: 60_000,
      maxBytes: 100 * MB,
    });

    // 10 jobs under 100 MB finish in minute 0: 8 within 60 s, one after 90 s, one failed.
    for (let i = 0; i < 8; i++) {
      await insertExportJob(knex, {
        status: 'succeeded',
        createdAt: new Date(T0 - 30_000),
        finishedAt: new Date(T0 + i * 1000),
        bytesWritten: (i + 1) * MB,
      });
    }
    await insertExportJob(knex, {
      status: 'succeeded',
      createdAt: new Date(T0 - 90_000),
      finishedAt: new Date(T0 + 20_000),
      bytesWritten: MB,
    });
    await insertExportJob(knex, {
      status: 'failed',
      createdAt: new Date(T0),
      finishedAt: new Date(T0 + 30_000),
      errorType: 'query_failed',
    });
    // Not events: a 250 MB export (measured separately by the spec) and a cancelled one.
    await insertExportJob(knex, {
      status: 'succeeded',
      createdAt: new Date(T0 - 600_000),
      finishedAt: new Date(T0 + 40_000),
      bytesWritten: 250 * MB,
    });
    await insertExportJob(knex, {
      status: 'cancelled',
      createdAt: new Date(T0),
      finishedAt: new Date(T0 + 41_000),
    });

    const now = () => new Date(T0 + 5 * MINUTE_MS);
    const service = new SloService({
      store: new SloStore(knex),
      sources: new SliSources({
        exportJobs: new DatabaseExportJobsReader(knex),
      }),
      fileDefinitions: [slo],
      logger: mockServices.logger.mock(),
      initialLookbackDays: 1,
      portalBaseUrl: 'http://portal.test',
      now,
      events: {
        emit: async () => ({ event_id: 'test', accepted: true } as any),
      },
    });
    await service.tick();
    const summary = await service.summary('export-completion');
    expect(summary).toMatchObject({
      sliSource: 'export-jobs',
      good: 8,
      total: 10,
      sli: 0.8,
      dataStatus: {
        ok: true,
        message:
          "measured from the exports plugin's export_jobs table (finished jobs by finish minute)",
        lastMinute: new Date(T0).toISOString(),
      },
    });
    // 20 % bad against a 10 % budget: twice the budget consumed.
    expect(summary.budget.consumed).toBeCloseTo(2, 10);
  });

  it('says plainly when no reader is available, and invents no numbers', async () => {
    const sources = new SliSources({});
    const [slo] = (
      await loadSloFiles(
        path.resolve(__dirname, '../../../../slos'),
        LATENCY_BUCKETS_MS,
      )
    ).filter(s => s.id === 'export-completion');
    expect(sources.availability(slo)).toEqual({
      ok: false,
      message:
        'no data: the export jobs reader is not available in this backend',
    });
    expect(await sources.read(slo, new Date(T0), new Date(T0 + 1))).toEqual([]);
  });
});
