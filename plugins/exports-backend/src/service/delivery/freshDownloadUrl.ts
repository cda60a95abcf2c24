import { DOWNLOAD_URL_TTL_MS, signDownloadToken } from '../signedUrls';
import type { DbWebhookOutboxRow } from './WebhookOutbox';

/**
 * The download URL of a succeeded job's webhook, signed for this attempt (valid 15 min):
 * `{ downloadUrl, downloadUrlExpiresAt }`, nothing for other outcomes.
 */
export async function freshDownloadUrl(
  row: Pick<DbWebhookOutboxRow, 'job_id' | 'payload'>,
  options: { secret: string; baseUrl: () => Promise<string> },
): Promise<Record<string, unknown>> {
  if (row.payload.status !== 'succeeded') return {};
  const expiresAt = new Date(Date.now() + DOWNLOAD_URL_TTL_MS);
  const token = signDownloadToken(options.secret, row.job_id, expiresAt);
  return {
    downloadUrl: `${await options.baseUrl()}/v1/download/${token}`,
    downloadUrlExpiresAt: expiresAt.toISOString(),
  };
}
