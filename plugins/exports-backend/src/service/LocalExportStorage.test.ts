import { existsSync, mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalExportStorage } from './LocalExportStorage';

describe('LocalExportStorage', () => {
  it('names files by region, renames only on commit, and refuses keys outside the root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-storage-'));
    const storage = new LocalExportStorage(root);
    const pending = await storage.begin('eu', 'job-1', 'lease-1');
    await new Promise<void>(done => pending.stream.end('a,b\n', () => done()));
    const key = storage.keyFor('eu', 'job-1', 'csv', 'lease-1');
    expect(await storage.exists(key)).toBe(false);
    await storage.commit(pending, key);
    expect(await storage.exists(key)).toBe(true);
    expect(existsSync(join(root, 'eu', 'job-1.lease-1.csv'))).toBe(true);
    expect(existsSync(join(root, 'us'))).toBe(false);
    expect(() => storage.open('../outside.csv')).toThrow(
      /leaves the export root/,
    );
  });

  it('removes only stale temporary files', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-storage-'));
    const storage = new LocalExportStorage(root);
    const old = await storage.begin('us', 'old', 'l');
    const fresh = await storage.begin('us', 'fresh', 'l');
    await new Promise<void>(done => old.stream.end('x', () => done()));
    await new Promise<void>(done => fresh.stream.end('y', () => done()));
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(old.tempPath, twoDaysAgo, twoDaysAgo);
    expect(await storage.removeStaleTemporaries(86_400_000)).toBe(1);
    expect(existsSync(old.tempPath)).toBe(false);
    expect(existsSync(fresh.tempPath)).toBe(true);
  });
});
