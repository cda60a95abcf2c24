import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { newExportJob } from '../__testUtils__/newExportJob';
import { ExportStore } from './ExportStore';

jest.setTimeout(120_000);

const migrations = { directory: `${__dirname}/../../migrations` };
const AT = new Date('2026-12-01T12:00:00Z');
const ago = (seconds: number) => new Date(AT.getTime() - seconds * 1000);

describe('ExportStore.stats (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;
  let store: ExportStore;

  /** A job with the given timestamps (seconds before AT) and outcome. */
  const insert = async (job: {
    status: string;
    created: number;
    started?: number;
    finished?: number;
    errorType?: string;
  }) => {
    const { row } = await store.create(newExportJob());
    await knex('export_jobs')
      .where({ id: row.id })
      .update({
        status: job.status,
        created_at: ago(job.created),
        started_at: job.started === undefined ? null : ago(job.started),
        finished_at: job.finished === undefined ? null : ago(job.finished),
        error_type: job.errorType ?? null,
        error_message: job.errorType ? 'boom' : null,
      });
    return row.id;
  };

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest(migrations);
    store = new ExportStore(knex);
  });
  beforeEach(async () => {
    await knex('export_jobs').delete();
  });

  it('reconstructs the queue depth at each point from the jobs’ timestamps', async () => {
    // 1 h window → 48 points of 75 s, the last one at AT.
    await insert({ status: 'queued', created: 100 }); // queued now
    await insert({ status: 'running', created: 1000, started: 200 }); // queued 1000..200 s ago
    await insert({ status: 'cancelled', created: 500, finished: 400 }); // queued 500..400 s ago
    await insert({ status: 'queued', created: 7200 }); // before the window, still queued
    const stats = await store.stats(1, AT);
    expect(stats.measuredAt).toBe(AT.toISOString());
    expect(stats.bucketSeconds).toBe(75);
    expect(stats.queueDepth).toHaveLength(48);
    const depthAt = (secondsAgo: number) =>
      stats.queueDepth.find(p => p.at === ago(secondsAgo).toISOString())!.depth;
    expect(stats.queueDepth[47].at).toBe(AT.toISOString());
    expect(depthAt(0)).toBe(2); // the two queued jobs
    expect(depthAt(150)).toBe(1); // the 100 s job not created yet; the running one started
    expect(depthAt(225)).toBe(2); // running job still queued
    expect(depthAt(450)).toBe(3); // + the cancelled one
    expect(depthAt(3525)).toBe(1); // only the job from before the window
  });

  it('histograms completion times against the 60 s SLO, with percentiles', async () => {
    const durations = [3, 8, 25, 59, 60, 61, 200, 400];
    for (const d of durations) {
      await insert({
        status: 'succeeded',
        created: d + 10,
        started: d + 9,
        finished: 10,
      });
    }
    // Finished before the window: not counted.
    await insert({
      status: 'succeeded',
      created: 7300,
      started: 7299,
      finished: 7250,
    });
    const stats = await store.stats(1, AT);
    expect(stats.sloSeconds).toBe(60);
    expect(stats.durations.count).toBe(8);
    expect(stats.durations.withinSlo).toBe(5); // ≤ 60 s
    expect(stats.durations.buckets).toEqual([
      { le: 5, count: 1 },
      { le: 10, count: 1 },
      { le: 20, count: 0 },
      { le: 30, count: 1 },
      { le: 45, count: 0 },
      { le: 60, count: 2 },
      { le: 90, count: 1 },
      { le: 120, count: 0 },
      { le: 300, count: 1 },
      { le: null, count: 1 },
    ]);
    expect(stats.durations.p50Seconds).toBeCloseTo(59.5, 5); // between 59 and 60
    expect(stats.durations.p90Seconds).toBeCloseTo(260, 5); // 200 + 0.3 × 200
  });

  it('counts outcomes and failures by error type over the jobs that ended', async () => {
    await insert({
      status: 'succeeded',
      created: 50,
      started: 49,
      finished: 40,
    });
    await insert({ status: 'expired', created: 60, started: 59, finished: 45 });
    await insert({
      status: 'failed',
      created: 50,
      started: 49,
      finished: 30,
      errorType: 'size_limit',
    });
    await insert({
      status: 'failed',
      created: 50,
      started: 49,
      finished: 30,
      errorType: 'permission_revoked',
    });
    await insert({
      status: 'failed',
      created: 50,
      started: 49,
      finished: 20,
      errorType: 'size_limit',
    });
    await insert({ status: 'cancelled', created: 50, finished: 20 });
    const stats = await store.stats(24, AT);
    expect(stats.hours).toBe(24);
    expect(stats.outcomes).toEqual({ succeeded: 2, failed: 3, cancelled: 1 });
    expect(stats.failuresByType).toEqual([
      { errorType: 'size_limit', count: 2, rate: 2 / 5 },
      { errorType: 'permission_revoked', count: 1, rate: 1 / 5 },
    ]);
  });

  it('answers an empty window with zeros and no percentiles', async () => {
    const stats = await store.stats(6, AT);
    expect(stats.queueDepth.every(p => p.depth === 0)).toBe(true);
    expect(stats.durations).toMatchObject({
      count: 0,
      withinSlo: 0,
      p50Seconds: null,
      p90Seconds: null,
    });
    expect(stats.failuresByType).toEqual([]);
  });

  it('lists a job’s webhook deliveries oldest first', async () => {
    const id = await insert({
      status: 'succeeded',
      created: 50,
      started: 49,
      finished: 40,
    });
    const other = await insert({ status: 'queued', created: 10 });
    await knex('export_webhook_deliveries').insert([
      {
        job_id: id,
        attempt: 1,
        url: 'http://h/x',
        status_code: 500,
        delivered: false,
      },
      {
        job_id: other,
        attempt: 1,
        url: 'http://h/y',
        status_code: 204,
        delivered: true,
      },
      {
        job_id: id,
        attempt: 2,
        url: 'http://h/x',
        status_code: 204,
        delivered: true,
      },
    ]);
    const log = await store.deliveries(id);
    expect(log.map(d => [d.attempt, d.status_code, d.delivered])).toEqual([
      [1, 500, false],
      [2, 204, true],
    ]);
  });
});
