import { createHmac } from 'node:crypto';
import { InputError } from '@backstage/errors';
import { Knex } from 'knex';

/** Checks a webhook URL against the allow-list (exact host names; http(s) only). */
export function assertAllowedWebhookUrl(
  url: string,
  allowedHosts: string[],
): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError('delivery.url: must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InputError('delivery.url: must be an http(s) URL');
  }
  if (parsed.username || parsed.password) {
    throw new InputError('delivery.url: must not carry credentials');
  }
  if (!allowedHosts.includes(parsed.hostname.toLowerCase())) {
    throw new InputError(
      `delivery.url: host ${parsed.hostname} is not in exports.webhooks.allowedHosts`,
    );
  }
  return parsed;
}

/** `X-Signature: sha256=<hex>` over `<timestamp>.<body>`. */
export function webhookSignature(
  secret: string,
  timestamp: string,
  body: string,
): string {
  return `sha256=${createHmac('sha256', secret)
    .update(`${timestamp}.${body}`)
    .digest('hex')}`;
}

export interface DbWebhookDeliveryRow {
  id: string;
  job_id: string;
  attempt: number;
  url: string;
  status_code: number | null;
  error: string | null;
  delivered: boolean;
  at: Date;
}

export interface WebhookDelivererOptions {
  db: Knex;
  secret: string;
  allowedHosts: string[];
  /** Attempts per notification (default 4). */
  attempts?: number;
  /** Backoff before attempt n+1: base × 4^(n-1) (default 1 s: 1 s, 4 s, 16 s). */
  backoffBaseMs?: number;
  timeoutMs?: number;
}

/**
 * POSTs a job's outcome to its webhook with an HMAC signature and a timestamp header, retrying
 * with backoff; every attempt is logged in `export_webhook_deliveries`. The host is checked
 * against the allow-list again at delivery time (config may have changed since the request).
 */
export class WebhookDeliverer {
  constructor(private readonly options: WebhookDelivererOptions) {}

  async deliver(
    jobId: string,
    url: string,
    payload: Record<string, unknown>,
  ): Promise<boolean> {
    const attempts = this.options.attempts ?? 4;
    const base = this.options.backoffBaseMs ?? 1000;
    const body = JSON.stringify(payload);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let statusCode: number | null = null;
      let error: string | null = null;
      try {
        assertAllowedWebhookUrl(url, this.options.allowedHosts);
        const timestamp = String(Math.floor(Date.now() / 1000));
        const response = await fetch(url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
          headers: {
            'Content-Type': 'application/json',
            'X-Timestamp': timestamp,
            'X-Signature': webhookSignature(
              this.options.secret,
              timestamp,
              body,
            ),
          },
          body,
        });
        statusCode = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch (e) {
        error = String((e as Error)?.message ?? e).slice(0, 500);
      }
      const delivered =
        statusCode !== null && statusCode >= 200 && statusCode < 300;
      await this.options.db('export_webhook_deliveries').insert({
        job_id: jobId,
        attempt,
        url,
        status_code: statusCode,
        error,
        delivered,
      });
      if (delivered) return true;
      if (error?.startsWith('delivery.url')) return false; // no longer allowed
      if (attempt < attempts) {
        await new Promise(r => setTimeout(r, base * 4 ** (attempt - 1)));
      }
    }
    return false;
  }

  async log(jobId: string): Promise<DbWebhookDeliveryRow[]> {
    return this.options
      .db<DbWebhookDeliveryRow>('export_webhook_deliveries')
      .where({ job_id: jobId })
      .orderBy('id');
  }
}
