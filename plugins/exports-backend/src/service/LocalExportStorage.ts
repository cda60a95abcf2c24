import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { regionCursors } from './storage/ExportStorage';

export type Region = 'us' | 'eu';

/** A file being written under a temporary name; only `commit` gives it its final name. */
export interface PendingExportFile {
  stream: Writable;
  tempPath: string;
}

/**
 * Export files on the local filesystem, one directory per region (`<root>/<region>/`), so a
 * file's region is where it lies (final names: `ExportStorage`). Files are written as `<region>/.tmp/<id>.<token>.part` and
 * renamed into place only when complete: a cancelled, failed or crashed run leaves no file
 * under a final name (and `discard` removes its temporary one).
 */
export class LocalExportStorage {
  private readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  keyFor(
    region: Region,
    jobId: string,
    extension: string,
    attempt: string,
  ): string {
    return `${region}/${jobId}.${attempt}.${extension}`;
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) {
      throw new Error(`storage key ${key} leaves the export root`);
    }
    return path;
  }

  async begin(
    region: Region,
    jobId: string,
    leaseToken: string,
  ): Promise<PendingExportFile> {
    const dir = join(this.root, region, '.tmp');
    await mkdir(dir, { recursive: true });
    const tempPath = join(dir, `${jobId}.${leaseToken}.part`);
    return { stream: createWriteStream(tempPath), tempPath };
  }

  async commit(pending: PendingExportFile, key: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(resolve(target, '..'), { recursive: true });
    await rename(pending.tempPath, target);
  }

  async discard(pending: PendingExportFile): Promise<void> {
    // Wait for the stream to close: a write stream opens its file asynchronously, so removing
    // the file before that could run before the open creates it (and leave it behind).
    if (!pending.stream.closed) {
      const closed = once(pending.stream, 'close');
      pending.stream.destroy();
      await closed;
    }
    await rm(pending.tempPath, { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  async size(key: string): Promise<number> {
    return (await stat(this.pathOf(key))).size;
  }

  open(key: string): Readable {
    return createReadStream(this.pathOf(key));
  }

  /**
   * Removes temporary files older than `olderThanMs` (left by killed workers; a live run's file
   * is younger than its lease allows). Returns how many were removed.
   */
  async removeStaleTemporaries(
    olderThanMs: number,
    now = Date.now(),
  ): Promise<number> {
    let removed = 0;
    for (const region of ['us', 'eu']) {
      const dir = join(this.root, region, '.tmp');
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        if (!name.endsWith('.part')) continue;
        const path = join(dir, name);
        const info = await stat(path).catch(() => undefined);
        if (info && now - info.mtimeMs > olderThanMs) {
          await rm(path, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  async *committedFilesOlderThan(
    olderThanMs: number,
    now = Date.now(),
    after?: string,
  ): AsyncIterable<string> {
    for (const { region, startAfter } of regionCursors(after)) {
      const entries = await readdir(join(this.root, region), {
        withFileTypes: true,
      }).catch(() => []);
      // Names in a directory are unique: never equal.
      entries.sort((x, y) => (x.name < y.name ? -1 : 1));
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const key = `${region}/${entry.name}`;
        if (startAfter && key <= startAfter) continue;
        const info = await stat(this.pathOf(key)).catch(() => undefined);
        if (info && now - info.mtimeMs > olderThanMs) yield key;
      }
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
