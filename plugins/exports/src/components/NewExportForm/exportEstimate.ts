import { ExportJob } from '../../api/ExportsApi';

/** A live estimate of an export's size, each part with where it came from. */
export interface ExportEstimate {
  /** Rows counted by the filter engine (`/v1/count`) at `countedAt`. */
  rows: number;
  countedAt: string;
  /** rows × bytes per row of `basis`, when an earlier export of the dataset gives one. */
  bytes?: number;
  basis?: { exportId: string; bytesPerRow: number; finishedAt: string };
}

/**
 * Bytes per row from the newest succeeded export of this dataset and format with rows written:
 * measured on a real file, but with that export's columns, hence an estimate.
 */
export function bytesPerRowBasis(
  jobs: ExportJob[],
  dataset: string,
  format: ExportJob['format'],
): ExportEstimate['basis'] {
  const done = jobs.find(
    j =>
      j.status === 'succeeded' &&
      j.dataset === dataset &&
      j.format === format &&
      j.rowsWritten > 0,
  );
  if (!done) return undefined;
  return {
    exportId: done.id,
    bytesPerRow: done.bytesWritten / done.rowsWritten,
    finishedAt: done.finishedAt ?? done.createdAt,
  };
}
