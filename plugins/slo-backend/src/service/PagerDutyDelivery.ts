import { LoggerService } from '@backstage/backend-plugin-api';
import { SloStore } from './SloStore';

export interface PagerDutyDeliveryOptions {
  store: SloStore;
  logger: LoggerService;
  /** PagerDuty Events v2 endpoint, e.g. https://events.pagerduty.com/v2/enqueue. */
  webhookUrl: string;
  /** Attempts before a notification is marked failed. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt. */
  backoffMs: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

/**
 * Delivers queued PagerDuty events in order, with retries and exponential backoff. A 2xx
 * answer marks the event delivered; 429 and 5xx and network errors are retried until
 * maxAttempts; other 4xx answers (a malformed event) fail at once.
 */
export class PagerDutyDelivery {
  constructor(private readonly options: PagerDutyDeliveryOptions) {}

  async deliverDue(): Promise<{ delivered: number; failed: number }> {
    const { store, logger, webhookUrl, maxAttempts, backoffMs } = this.options;
    const fetchImpl = this.options.fetch ?? fetch;
    const now = this.options.now?.() ?? new Date();
    let delivered = 0;
    let failed = 0;
    for (const n of await store.dueNotifications(now, 100)) {
      let error: string | undefined;
      let retriable = true;
      try {
        const res = await fetchImpl(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(n.payload),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) {
          await store.markDelivered(n.id, new Date());
          delivered++;
          continue;
        }
        error = `HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`;
        retriable = res.status === 429 || res.status >= 500;
      } catch (e) {
        error = (e as Error).message;
      }
      const attempt = n.attempts + 1;
      const next =
        retriable && attempt < maxAttempts
          ? new Date(now.getTime() + backoffMs * 2 ** (attempt - 1))
          : undefined;
      await store.markAttemptFailed(n.id, error ?? 'unknown error', next);
      if (!next) {
        failed++;
        logger.error(
          `PagerDuty event ${n.dedup_key} failed after ${attempt} attempt(s): ${error}`,
        );
      } else {
        logger.warn(
          `PagerDuty event ${n.dedup_key} attempt ${attempt} failed (${error}); retrying`,
        );
      }
    }
    return { delivered, failed };
  }
}
