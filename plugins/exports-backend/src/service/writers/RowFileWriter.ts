import { once } from 'node:events';
import { Writable } from 'node:stream';
import { FilterExportColumn } from '@internal/plugin-filters-node';

/**
 * Turns a row export into a file on `out`: the columns once, batches of typed rows (each
 * resolves when `out` can take more), then `end`, which resolves when `out` has finished.
 */
export interface RowFileWriter {
  columns(columns: FilterExportColumn[]): Promise<void>;
  rows(batch: unknown[][]): Promise<void>;
  end(): Promise<void>;
}

/** Writes `chunk`; resolves at once, or when `out` drains if its buffer is full. */
export async function writeWithBackpressure(
  out: Writable,
  chunk: Uint8Array,
): Promise<void> {
  if (out.write(chunk)) return;
  await once(out, 'drain');
}
