import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Knex } from 'knex';
import { newExportJob } from '../__testUtils__/newExportJob';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  expireExports,
  removeUnreferencedFiles,
  SweepPosition,
} from './expireExports';
import { ExportStore } from './ExportStore';
import { LocalExportStorage } from './LocalExportStorage';
import { ExportStorage } from './storage/ExportStorage';
import { writeAll } from './storage/storageContract';

jest.setTimeout(60_000);

describe('expireExports and removeUnreferencedFiles (real Postgres, real files)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest({ directory: `${__dirname}/../../migrations` });
  });

  it("removes old committed files their job does not reference, keeps the job's own and young ones", async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-unreferenced-'));
    const storage = new LocalExportStorage(root);
    const store = new ExportStore(knex);
    const commit = async (jobId: string, attempt: string) => {
      const pending = await storage.begin('us', jobId, attempt);
      await writeAll(pending.stream, Buffer.from('id\n1\n'));
      const key = storage.keyFor('us', jobId, 'csv', attempt);
      await storage.commit(pending, key);
      return key;
    };
    const { row } = await store.create(newExportJob());
    const kept = await commit(row.id, 'attempt-2');
    await knex('export_jobs')
      .where({ id: row.id })
      .update({ status: 'succeeded', storage_key: kept });
    // An attempt that died after committing its file, before the database's commit.
    const diedAttempt = await commit(row.id, 'attempt-1');
    // A job that no longer exists, and a file that is no job's.
    const deletedJob = await commit(randomUUID(), 'attempt-1');
    const stranger = await commit('notes', 'x');
    // An orphan younger than the threshold (its completion may still be in flight).
    const { row: young } = await store.create(newExportJob());
    const youngOrphan = await commit(young.id, 'attempt-1');

    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    for (const key of [kept, diedAttempt, deletedJob, stranger]) {
      utimesSync(join(root, key), twoDaysAgo, twoDaysAgo);
    }
    const removed = await removeUnreferencedFiles({
      store,
      storage,
      olderThanMs: 86_400_000,
    });

    expect(removed).toBe(2);
    const present = (key: string) => existsSync(join(root, key));
    expect(present(kept)).toBe(true);
    expect(present(diedAttempt)).toBe(false);
    expect(present(deletedJob)).toBe(false);
    expect(present(stranger)).toBe(true);
    expect(present(youngOrphan)).toBe(true);
  });
  it('purges expired exports (audited) before the sweep, and the sweep examines at most sweepFiles keys of an endless listing', async () => {
    const store = new ExportStore(knex);
    const { row } = await store.create(newExportJob());
    await knex('export_jobs')
      .where({ id: row.id })
      .update({
        status: 'succeeded',
        storage_key: `us/${row.id}.a.csv`,
        expires_at: new Date(Date.now() - 1000),
      });
    const steps: string[] = [];
    let listed = 0;
    const storage = {
      removeStaleTemporaries: async () => 0,
      remove: async (key: string) => {
        steps.push(key === `us/${row.id}.a.csv` ? 'purge' : 'sweep');
      },
      // Millions of files: a listing that never ends.
      async *committedFilesOlderThan() {
        for (;;) {
          listed++;
          yield `us/${randomUUID()}.a.csv`;
        }
      },
    } as unknown as ExportStorage;
    const auditor = mockServices.auditor.mock();
    const sweep: SweepPosition = {};

    const purged = await expireExports({
      store,
      storage,
      auditor,
      logger: mockServices.logger.mock(),
      sweepFiles: 50,
      sweep,
    });

    expect(purged).toBe(1);
    expect((await store.get(row.id))!.status).toBe('expired');
    expect(steps[0]).toBe('purge');
    expect(steps.filter(s => s === 'sweep')).toHaveLength(50);
    expect(listed).toBeLessThanOrEqual(51);
    expect(sweep.after).toMatch(/^us\/[0-9a-f-]{36}\.a\.csv$/);
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({ eventId: 'export-purged' }),
    );
  });

  it('a capped sweep goes on from where the last run stopped, then starts over', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-sweep-resume-'));
    const storage = new LocalExportStorage(root);
    const store = new ExportStore(knex);
    const orphans: string[] = [];
    for (let i = 0; i < 3; i++) {
      const pending = await storage.begin('us', randomUUID(), 'a');
      await writeAll(pending.stream, Buffer.from('id\n'));
      const key = storage.keyFor('us', randomUUID(), 'csv', 'a');
      await storage.commit(pending, key);
      orphans.push(key);
    }
    const later = Date.now() + 2 * 86_400_000;
    const sweep: SweepPosition = {};
    const run = () =>
      removeUnreferencedFiles({
        store,
        storage,
        olderThanMs: 86_400_000,
        now: later,
        maxFiles: 2,
        position: sweep,
      });

    expect(await run()).toBe(2);
    expect(sweep.after).toBe([...orphans].sort()[1]);
    expect(await run()).toBe(1);
    expect(sweep.after).toBeUndefined();
    expect(orphans.filter(k => existsSync(join(root, k)))).toEqual([]);
  });
});
