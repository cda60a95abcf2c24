/** Formats a job can produce. */
export const EXPORT_FORMATS = ['csv', 'xlsx', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Job status model: `queued` → `running` → `succeeded` | `failed` | `cancelled`;
 * `succeeded` → `expired` when the file is purged; `failed`/`cancelled` → `queued` on retry.
 * A running job whose worker stops heartbeating goes back to `queued` (re-claimed).
 */
export const EXPORT_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'expired',
] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** Statuses a job does not leave by itself. */
export const TERMINAL_EXPORT_STATUSES: ReadonlySet<ExportStatus> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'expired',
]);

/** Error types a failed job carries (also the `failures by type` metric label). */
export const EXPORT_ERROR_TYPES = [
  'permission_revoked',
  'rejected',
  'query_failed',
  'size_limit',
  'unsupported_format',
  'storage_failed',
  'internal',
] as const;
export type ExportErrorType = (typeof EXPORT_ERROR_TYPES)[number];

/** Allowed status transitions (the store enforces them in its UPDATE statements). */
export function canTransition(from: ExportStatus, to: ExportStatus): boolean {
  switch (from) {
    case 'queued':
      return to === 'running' || to === 'cancelled';
    case 'running':
      return (
        to === 'succeeded' ||
        to === 'failed' ||
        to === 'cancelled' ||
        to === 'queued'
      );
    case 'succeeded':
      return to === 'expired';
    case 'failed':
    case 'cancelled':
      return to === 'queued';
    default:
      return false;
  }
}
