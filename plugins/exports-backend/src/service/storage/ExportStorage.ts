import { Readable, Writable } from 'node:stream';

/** The data-residency regions of accounts (`accounts.region`). */
export type ExportRegion = 'us' | 'eu';

export const EXPORT_REGIONS: readonly ExportRegion[] = ['us', 'eu'];

/** A file being written under a temporary name; only `commit` gives it its final name. */
export interface PendingExportFile {
  stream: Writable;
}

/** Options of a storage-signed download URL. */
export interface PresignedDownloadOptions {
  /** The file name the browser saves (`Content-Disposition: attachment`). */
  filename?: string;
  contentType?: string;
}

/**
 * Where export files live. Keys are `<region>/<job id>.<attempt>.<extension>` (`keyFor`; files
 * committed before 2026-12-02 06:00 UTC have `<region>/<job id>.<extension>`): the region in
 * the key picks the storage target, so a file can only be stored and read in its account's
 * region. A run writes through `begin` → `stream` and the file appears under its key only by
 * `commit`; `discard` leaves nothing behind. Each attempt of a job has its own final key (the
 * attempt is its lease token), so an attempt can commit its file before the database says the
 * job succeeded, and an attempt whose lease was lost removes only its own file: a file is
 * visible to users only through the job's `storage_key`.
 */
export interface ExportStorage {
  keyFor(
    region: ExportRegion,
    jobId: string,
    extension: string,
    attempt: string,
  ): string;
  begin(
    region: ExportRegion,
    jobId: string,
    leaseToken: string,
  ): Promise<PendingExportFile>;
  /** Gives a completely written (ended) pending file its final key in the same region. */
  commit(pending: PendingExportFile, key: string): Promise<void>;
  discard(pending: PendingExportFile): Promise<void>;
  exists(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  open(key: string): Readable;
  remove(key: string): Promise<void>;
  /** Removes temporary files older than `olderThanMs` (left by killed workers); returns how many. */
  removeStaleTemporaries(olderThanMs: number, now?: number): Promise<number>;
  /**
   * Keys of committed files last written more than `olderThanMs` ago (the retention job removes
   * those no job references: an attempt that died between its commit and the database's).
   * Listed region by region (EXPORT_REGIONS order), keys ascending within a region; `after`
   * (a key listed before) resumes the listing past it.
   */
  committedFilesOlderThan(
    olderThanMs: number,
    now?: number,
    after?: string,
  ): AsyncIterable<string>;
  /**
   * A URL the storage itself serves the file from, valid `ttlSeconds`. Absent where the storage
   * cannot sign URLs (local files): the router then streams the file.
   */
  presignedDownloadUrl?(
    key: string,
    ttlSeconds: number,
    options?: PresignedDownloadOptions,
  ): Promise<string>;
  /** Bytes of committed export files per region (temporary files not counted). */
  bytesByRegion?(): Promise<Record<ExportRegion, number>>;
}

/** The job id of a final key (`<region>/<job id>.<attempt>.<extension>` or the older `<region>/<job id>.<extension>`). */
export function jobIdOfKey(key: string): string {
  const file = key.slice(key.indexOf('/') + 1);
  return file.slice(0, file.indexOf('.'));
}

/**
 * Where a listing resumed `after` a key still reads: its own region from past that key, then
 * the regions after it from their start (`startAfter` undefined).
 */
export function regionCursors(
  after: string | undefined,
): Array<{ region: ExportRegion; startAfter?: string }> {
  const start = after
    ? EXPORT_REGIONS.indexOf(after.slice(0, after.indexOf('/')) as ExportRegion)
    : 0;
  return EXPORT_REGIONS.slice(Math.max(start, 0)).map(region => ({
    region,
    startAfter: after?.startsWith(`${region}/`) ? after : undefined,
  }));
}
