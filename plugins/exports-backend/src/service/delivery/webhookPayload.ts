import type { DbExportJobRow } from '../ExportStore';

/**
 * What a job's webhook says about its outcome, without the download URL (that one expires in
 * 15 minutes, so it is signed again at every delivery attempt).
 */
export function webhookPayload(row: DbExportJobRow): Record<string, unknown> {
  return {
    exportId: row.id,
    status: row.status,
    accountId: row.account_id,
    format: row.format,
    rowsWritten: Number(row.rows_written),
    bytesWritten: Number(row.bytes_written),
    ...(row.status === 'succeeded'
      ? {}
      : { error: { type: row.error_type, message: row.error_message } }),
  };
}
