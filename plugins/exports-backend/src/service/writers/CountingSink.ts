import { Writable } from 'node:stream';
import { RunAbortedError } from './RunAbortedError';

export interface CountingSinkOptions {
  maxBytes: number;
  /** Count CSV rows (newlines outside quotes, minus the header line) as bytes pass. */
  countCsvRows?: boolean;
  /** With countCsvRows: the row limit of the format. */
  maxCsvRows?: number;
}

/**
 * Counts the bytes (and optionally CSV rows) on the way to the storage stream, keeping its
 * backpressure, and enforces the format's byte limit. `abort` stops writing but keeps
 * accepting input until the producer ends: destroying a COPY stream mid-way would leave the
 * database connection in COPY mode (its ROLLBACK then never answers).
 */
export class CountingSink extends Writable {
  bytes = 0;
  aborted: RunAbortedError | undefined;
  private newlines = 0;
  private inQuotes = false;
  constructor(
    private readonly target: Writable,
    private readonly options: CountingSinkOptions,
  ) {
    super();
    target.on('error', e =>
      this.abort(new RunAbortedError('storage_failed', String(e))),
    );
  }

  abort(reason: RunAbortedError) {
    this.aborted ??= reason;
  }

  _write(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: (e?: Error | null) => void,
  ) {
    if (this.aborted) {
      done();
      return;
    }
    this.bytes += chunk.length;
    if (this.bytes > this.options.maxBytes) {
      this.abort(
        new RunAbortedError(
          'size_limit',
          `The export is larger than the limit of ${this.options.maxBytes} bytes: narrow the filter or choose fewer fields`,
        ),
      );
      done();
      return;
    }
    if (this.options.countCsvRows) this.countRows(chunk);
    if (this.target.write(chunk)) done();
    else this.target.once('drain', () => done());
  }

  private countRows(chunk: Buffer) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 0x22) this.inQuotes = !this.inQuotes;
      else if (c === 0x0a && !this.inQuotes) this.newlines++;
    }
    const max = this.options.maxCsvRows;
    if (max !== undefined && this.rows > max) {
      this.abort(rowLimitError('csv', max));
    }
  }

  _final(done: (e?: Error | null) => void) {
    this.target.end(() => done());
  }

  /** CSV data rows seen so far (the header line excluded). */
  get rows(): number {
    return Math.max(0, this.newlines - 1);
  }
}

export function rowLimitError(format: string, maxRows: number) {
  return new RunAbortedError(
    'size_limit',
    `The export has more than ${maxRows} rows, the limit for ${format.toUpperCase()} files (exports.limits.${format}.maxRows): narrow the filter or choose another format`,
  );
}
