import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseExportJobsReader } from '@internal/plugin-exports-node';
import {
  insertExportJob,
  migrateExportTables,
} from '@internal/plugin-exports-node/testUtils';
import { ExportServiceCollector } from './exportServiceCollector';

jest.setTimeout(60_000);

describe('ExportServiceCollector (real Postgres, the exports migrations)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

  it('turns the jobs table into live queue-depth and storage samples, with bytes per region', async () => {
    const db = await databases.init('POSTGRES_18');
    await migrateExportTables(db);
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      await insertExportJob(db, {
        status: 'queued',
        createdAt: new Date(now - i * 10_000),
      });
    }
    await insertExportJob(db, { status: 'running', createdAt: new Date(now) });
    const stored = (region: 'us' | 'eu', bytesWritten: number) =>
      insertExportJob(db, {
        status: 'succeeded',
        createdAt: new Date(now - 60_000),
        finishedAt: new Date(now - 30_000),
        region,
        bytesWritten,
      });
    await stored('us', 1_500_000_000);
    await stored('us', 500_000_000);
    await stored('eu', 250_000_000);

    const out = await new ExportServiceCollector(
      new DatabaseExportJobsReader(db),
    ).collect();

    expect(out.unavailable).toEqual([]);
    expect(out.samples).toEqual([
      expect.objectContaining({ limit: 'export-queue-depth', value: 3 }),
      expect.objectContaining({ limit: 'export-storage', value: 2.25 }),
    ]);
    const measured = Object.fromEntries(
      out.measured.map(m => [m.metric, m.value]),
    );
    expect(measured).toMatchObject({
      'export-queue-depth': 3,
      'export-jobs-running': 1,
      'export-storage': 2_250_000_000,
      'export-storage-us': 2_000_000_000,
      'export-storage-eu': 250_000_000,
    });
    expect(measured['export-oldest-job-age']).toBeGreaterThanOrEqual(19);
    expect(
      out.samples.find(s => s.limit === 'export-storage')!.source,
    ).toContain('eu 0.250 GB, us 2.000 GB');
  });

  it('says why when the jobs table cannot be read, and invents nothing', async () => {
    const failing = async () => {
      throw new Error('relation "export_jobs" does not exist');
    };
    const out = await new ExportServiceCollector({
      queue: failing,
      storedBytesByRegion: failing,
    }).collect();
    expect(out.samples).toEqual([]);
    expect(out.measured).toEqual([]);
    expect(out.unavailable.map(u => u.metric)).toEqual([
      'export-queue-depth',
      'export-oldest-job-age',
      'export-storage',
    ]);
    expect(out.unavailable[0].reason).toBe(
      'export_jobs unreadable: relation "export_jobs" does not exist',
    );
  });
});
