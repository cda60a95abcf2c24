import { createHmac } from 'node:crypto';
import { InputError } from '@backstage/errors';
import type { WebhookAttemptResult } from './delivery/WebhookOutbox';

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
  secret: string;
  allowedHosts: string[];
  timeoutMs?: number;
}

/**
 * One POST of a webhook with an HMAC signature and a timestamp header. The host is checked
 * against the allow-list again at delivery time (config may have changed since the request).
 * Retries, backoff and the delivery log are the WebhookDispatcher's (durable, in Postgres).
 */
export class WebhookDeliverer {
  constructor(private readonly options: WebhookDelivererOptions) {}

  get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  async attempt(url: string, body: string): Promise<WebhookAttemptResult> {
    try {
      assertAllowedWebhookUrl(url, this.options.allowedHosts);
    } catch (e) {
      return {
        statusCode: null,
        error: String((e as Error).message).slice(0, 500),
        delivered: false,
        permanent: true,
      };
    }
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'Content-Type': 'application/json',
          'X-Timestamp': timestamp,
          'X-Signature': webhookSignature(this.options.secret, timestamp, body),
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
    return { statusCode, error, delivered, permanent: false };
  }
}
