import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { DatabaseExportJobsReader } from './ExportJobsReader';
import { insertExportJob, migrateExportTables } from './testUtils';

jest.setTimeout(60_000);

const MB = 1_000_000;
const T0 = new Date('2026-11-30T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('DatabaseExportJobsReader (real Postgres, the exports migrations)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let db: Knex;
  let reader: DatabaseExportJobsReader;

  beforeAll(async () => {
    db = await databases.init('POSTGRES_18');
    await migrateExportTables(db);
    reader = new DatabaseExportJobsReader(db);
  });

  beforeEach(async () => {
    await db('export_jobs').delete();
  });

  it('lists finished jobs in [from, to) with size, duration, queue wait, status and error type', async () => {
    const fast = await insertExportJob(db, {
      status: 'succeeded',
      createdAt: at(0),
      startedAt: at(2),
      finishedAt: at(30),
      bytesWritten: 5 * MB,
      region: 'eu',
    });
    const failed = await insertExportJob(db, {
      status: 'failed',
      createdAt: at(10),
      startedAt: at(11),
      finishedAt: at(70),
      errorType: 'query_failed',
    });
    await insertExportJob(db, { status: 'queued', createdAt: at(20) });
    // Finished exactly at `to`: outside the half-open range.
    await insertExportJob(db, {
      status: 'succeeded',
      createdAt: at(0),
      finishedAt: at(120),
    });

    const jobs = await reader.finishedJobs({ from: at(0), to: at(120) });
    expect(jobs).toEqual([
      expect.objectContaining({
        id: fast,
        status: 'succeeded',
        region: 'eu',
        bytesWritten: 5 * MB,
        durationMs: 30_000,
        queueWaitMs: 2_000,
        firstProgressDelayMs: null,
        errorType: null,
      }),
      expect.objectContaining({
        id: failed,
        status: 'failed',
        durationMs: 60_000,
        errorType: 'query_failed',
      }),
    ]);
  });

  it('counts the export-completion SLI per minute: good = succeeded within 60 s, events = finished under 100 MB', async () => {
    const minute = (m: number, s: number) => at(m * 60 + s);
    // Minute 0: within 60 s (good), exactly 60 s (good), 61 s (bad), failed (bad).
    await insertExportJob(db, {
      status: 'succeeded',
      createdAt: minute(0, -50),
      finishedAt: minute(0, 5),
      bytesWritten: MB,
    });
    await insertExportJob(db, {
      status: 'expired', // succeeded, then purged: still a completed job
      createdAt: minute(0, -50),
      finishedAt: minute(0, 10),
      bytesWritten: MB,
      storageKey: null,
    });
    await insertExportJob(db, {
      status: 'succeeded',
      createdAt: minute(0, -40),
      finishedAt: minute(0, 21),
      bytesWritten: MB,
    });
    await insertExportJob(db, {
      status: 'failed',
      createdAt: minute(0, 0),
      finishedAt: minute(0, 30),
      errorType: 'storage_failed',
    });
    // Not events: 100 MB or more, cancelled, a rejected request, a revoked permission.
    await insertExportJob(db, {
      status: 'succeeded',
      createdAt: minute(0, 0),
      finishedAt: minute(0, 40),
      bytesWritten: 100 * MB,
    });
    await insertExportJob(db, {
      status: 'cancelled',
      createdAt: minute(0, 0),
      finishedAt: minute(0, 41),
    });
    await insertExportJob(db, {
      status: 'failed',
      createdAt: minute(0, 0),
      finishedAt: minute(0, 42),
      errorType: 'rejected',
    });
    await insertExportJob(db, {
      status: 'failed',
      createdAt: minute(0, 0),
      finishedAt: minute(0, 43),
      errorType: 'permission_revoked',
    });
    // Minute 2: one good job.
    await insertExportJob(db, {
      status: 'succeeded',
      createdAt: minute(2, 0),
      finishedAt: minute(2, 1),
      bytesWritten: 99 * MB,
    });

    const minutes = await reader.completionMinutes({
      from: at(0),
      to: at(600),
      maxBytes: 100 * MB,
      thresholdMs: 60_000,
    });
    expect(minutes).toEqual([
      { minute: minute(0, 0), good: 2, total: 4 },
      { minute: minute(2, 0), good: 1, total: 1 },
    ]);
    // 55 s and exactly 60 s are good, 61 s is not: with a 61 s threshold it is.
    const boundary = await reader.completionMinutes({
      from: at(0),
      to: at(600),
      maxBytes: 100 * MB,
      thresholdMs: 61_000,
    });
    expect(boundary[0]).toEqual({ minute: minute(0, 0), good: 3, total: 4 });
  });

  it('reads the queue: queued and running counts and the oldest queued job age', async () => {
    expect(await reader.queue()).toEqual(
      expect.objectContaining({
        queued: 0,
        running: 0,
        oldestQueuedAgeSeconds: null,
      }),
    );
    const now = new Date();
    await insertExportJob(db, {
      status: 'queued',
      createdAt: new Date(now.getTime() - 90_000),
    });
    await insertExportJob(db, { status: 'queued', createdAt: now });
    await insertExportJob(db, { status: 'running', createdAt: now });
    await insertExportJob(db, { status: 'succeeded', createdAt: now });
    const queue = await reader.queue();
    expect(queue.queued).toBe(2);
    expect(queue.running).toBe(1);
    expect(queue.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(89);
    expect(queue.oldestQueuedAgeSeconds).toBeLessThan(150);
  });

  it('sums stored bytes per region over succeeded jobs with a file; purged, failed and running jobs hold none', async () => {
    const stored = (region: 'us' | 'eu', bytes: number) =>
      insertExportJob(db, {
        status: 'succeeded',
        createdAt: at(0),
        finishedAt: at(10),
        region,
        bytesWritten: bytes,
      });
    await stored('us', 3 * MB);
    await stored('us', 4 * MB);
    await stored('eu', 7_500_000_000); // above 2^32: bigint sums stay exact
    await insertExportJob(db, {
      status: 'expired',
      createdAt: at(0),
      finishedAt: at(10),
      region: 'eu',
      bytesWritten: 9 * MB,
      storageKey: null,
    });
    await insertExportJob(db, {
      status: 'running',
      createdAt: at(0),
      region: 'us',
      bytesWritten: 11 * MB,
    });
    await insertExportJob(db, {
      status: 'failed',
      createdAt: at(0),
      finishedAt: at(5),
      region: 'eu',
      bytesWritten: 13 * MB,
    });

    expect(await reader.storedBytesByRegion()).toEqual([
      { region: 'eu', bytes: 7_500_000_000, files: 1 },
      { region: 'us', bytes: 7 * MB, files: 2 },
    ]);
  });

  it('reports the first-progress delay once the table records first_progress_at', async () => {
    await db.schema.alterTable('export_jobs', t => {
      t.timestamp('first_progress_at', { useTz: true });
    });
    try {
      const withColumn = new DatabaseExportJobsReader(db);
      const id = await insertExportJob(db, {
        status: 'succeeded',
        createdAt: at(0),
        finishedAt: at(20),
      });
      await db('export_jobs')
        .where({ id })
        .update({ first_progress_at: at(4) });
      const [job] = await withColumn.finishedJobs({ from: at(0), to: at(60) });
      expect(job.firstProgressDelayMs).toBe(4_000);
    } finally {
      await db.schema.alterTable('export_jobs', t => {
        t.dropColumn('first_progress_at');
      });
    }
  });
});
