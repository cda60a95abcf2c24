import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { newExportJob } from '../__testUtils__/newExportJob';
import { removeUnreferencedFiles } from './expireExports';
import { ExportStore } from './ExportStore';
import { LocalExportStorage } from './LocalExportStorage';
import { writeAll } from './storage/storageContract';

jest.setTimeout(60_000);

describe('removeUnreferencedFiles (real Postgres, real files)', () => {
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
});
