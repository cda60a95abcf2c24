import { randomBytes, randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { ExportRegion, ExportStorage } from './ExportStorage';

/** Writes `data` to a pending file's stream and ends it, honouring backpressure. */
export async function writeAll(stream: Writable, data: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    Readable.from([data], { objectMode: false })
      .on('error', reject)
      .pipe(stream)
      .on('finish', () => resolve());
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Commits a small file of a new job in `region` and returns its key. */
async function commitFile(
  storage: ExportStorage,
  region: ExportRegion,
): Promise<string> {
  const jobId = randomUUID();
  const pending = await storage.begin(region, jobId, randomUUID());
  await writeAll(pending.stream, Buffer.from('a\n'));
  const key = storage.keyFor(region, jobId, 'csv', 'a1');
  await storage.commit(pending, key);
  return key;
}

/** `keys` without the `known` ones (files other checks left in the storage). */
function without(keys: string[], known: string[]): string[] {
  return keys.filter(k => !known.includes(k));
}

/**
 * The behaviour every ExportStorage has, as named checks: both implementations' test files run
 * each against a fresh storage on a real backend (a temporary directory, an s3rver).
 */
export const exportStorageContract: Record<
  string,
  (storage: ExportStorage) => Promise<void>
> = {
  'keeps a file out of sight until commit, then serves it byte-identical':
    async storage => {
      const jobId = randomUUID();
      const data = randomBytes(3 * 1024 * 1024 + 17);
      const pending = await storage.begin('eu', jobId, randomUUID());
      const key = storage.keyFor('eu', jobId, 'csv', 'a1');
      expect(key).toBe(`eu/${jobId}.a1.csv`);
      await writeAll(pending.stream, data);
      expect(await storage.exists(key)).toBe(false);
      await storage.commit(pending, key);
      expect(await storage.exists(key)).toBe(true);
      expect(await storage.size(key)).toBe(data.length);
      expect((await readAll(storage.open(key))).equals(data)).toBe(true);
      expect(await storage.removeStaleTemporaries(0, Date.now() + 60_000)).toBe(
        0,
      );
    },
  'leaves nothing behind when a file is discarded, written or not':
    async storage => {
      const jobId = randomUUID();
      const written = await storage.begin('us', jobId, randomUUID());
      await writeAll(written.stream, Buffer.from('a,b\n1,2\n'));
      await storage.discard(written);
      const halfWritten = await storage.begin('us', jobId, randomUUID());
      halfWritten.stream.write(Buffer.from('a,b\n'));
      await storage.discard(halfWritten);
      expect(
        await storage.exists(storage.keyFor('us', jobId, 'csv', 'a1')),
      ).toBe(false);
      expect(await storage.removeStaleTemporaries(0, Date.now() + 60_000)).toBe(
        0,
      );
    },
  'removes only temporary files older than asked (a killed run leaves one)':
    async storage => {
      const pending = await storage.begin('eu', randomUUID(), randomUUID());
      await writeAll(pending.stream, Buffer.from('x'));
      expect(await storage.removeStaleTemporaries(3_600_000)).toBe(0);
      expect(
        await storage.removeStaleTemporaries(3_600_000, Date.now() + 7_200_000),
      ).toBe(1);
    },
  'lists committed files older than asked, not temporary ones':
    async storage => {
      const jobId = randomUUID();
      const pending = await storage.begin('eu', jobId, randomUUID());
      await writeAll(pending.stream, Buffer.from('a\n'));
      const key = storage.keyFor('eu', jobId, 'csv', 'a1');
      await storage.commit(pending, key);
      const running = await storage.begin('us', randomUUID(), randomUUID());
      await writeAll(running.stream, Buffer.from('b\n'));
      const listed = async (olderThanMs: number, now?: number) => {
        const keys: string[] = [];
        for await (const k of storage.committedFilesOlderThan(olderThanMs, now))
          keys.push(k);
        return keys;
      };
      expect(await listed(3_600_000)).toEqual([]);
      expect(await listed(3_600_000, Date.now() + 7_200_000)).toEqual([key]);
    },
  'resumes the committed-file listing after a key it listed (keys ascending per region)':
    async storage => {
      const later = Date.now() + 7_200_000;
      const listed = async (after?: string) => {
        const keys: string[] = [];
        for await (const k of storage.committedFilesOlderThan(
          3_600_000,
          later,
          after,
        ))
          keys.push(k);
        return keys;
      };
      const before = await listed();
      await commitFile(storage, 'us');
      await commitFile(storage, 'us');
      await commitFile(storage, 'eu');
      await commitFile(storage, 'eu');
      const all = without(await listed(), before);
      // Region by region (us, then eu), keys ascending within each.
      expect(all.join(' ')).toMatch(/^us\/\S+ us\/\S+ eu\/\S+ eu\/\S+$/);
      expect(all[0] < all[1] && all[2] < all[3]).toBe(true);
      expect(without(await listed(all[1]), before)).toEqual(all.slice(2));
    },
  'removes committed files and refuses keys outside its layout':
    async storage => {
      const jobId = randomUUID();
      const pending = await storage.begin('us', jobId, randomUUID());
      await writeAll(pending.stream, Buffer.from('a\n'));
      const key = storage.keyFor('us', jobId, 'csv', 'a1');
      await storage.commit(pending, key);
      await storage.remove(key);
      expect(await storage.exists(key)).toBe(false);
      await storage.remove(key);
      expect(() => storage.open('../outside.csv')).toThrow();
    },
};
