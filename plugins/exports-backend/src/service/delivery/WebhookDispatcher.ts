import { LoggerService } from '@backstage/backend-plugin-api';
import { PollingLoop } from '../queue/PollingLoop';
import { WebhookDeliverer } from '../webhooks';
import {
  DbWebhookOutboxRow,
  WebhookAttemptResult,
  WebhookOutbox,
} from './WebhookOutbox';

export interface WebhookDispatcherOptions {
  outbox: WebhookOutbox;
  deliverer: WebhookDeliverer;
  logger: LoggerService;
  /** Fields added to a job's payload at each attempt (a freshly signed download URL). */
  freshFields: (row: DbWebhookOutboxRow) => Promise<Record<string, unknown>>;
  /** Backoff base: base, 4×base, 16×base … at most 15 min (default 1 s). */
  backoffBaseMs?: number;
  /** Look for due notifications this often unless woken (default 1 s). */
  pollMs?: number;
  /** Notifications claimed per pass (default 10). */
  batch?: number;
}

/**
 * Delivers the webhook outbox from this replica: claims due notifications (any replica may),
 * POSTs each, records the attempt and its next time. A notification whose process died
 * mid-attempt is due again after the POST timeout plus a margin.
 */
export class WebhookDispatcher {
  private readonly loop: PollingLoop;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.loop = new PollingLoop({
      pollMs: options.pollMs ?? 1000,
      pass: async () => (await this.deliverDue()) > 0,
      onError: e =>
        options.logger.warn(`exports: webhook delivery pass failed: ${e}`),
    });
  }

  start() {
    this.loop.start();
  }

  /** A notification was queued here: deliver now instead of at the next poll. */
  wake() {
    this.loop.wake();
  }

  async stop() {
    await this.loop.stop();
  }

  /** One pass over the due notifications; how many were attempted. */
  async deliverDue(): Promise<number> {
    const { outbox, deliverer } = this.options;
    const claimed = await outbox.claimDue(
      this.options.batch ?? 10,
      deliverer.timeoutMs + 5_000,
    );
    await Promise.all(
      claimed.map(async row => {
        let result: WebhookAttemptResult;
        try {
          const body = JSON.stringify({
            ...row.payload,
            ...(await this.options.freshFields(row)),
          });
          result = await deliverer.attempt(row.url, body);
        } catch (e) {
          // No request was made (e.g. the base URL could not be resolved): a failed attempt.
          result = {
            statusCode: null,
            error: String((e as Error)?.message ?? e).slice(0, 500),
            delivered: false,
            permanent: false,
          };
        }
        await outbox.finishAttempt(
          row,
          result,
          this.options.backoffBaseMs ?? 1000,
        );
      }),
    );
    return claimed.length;
  }
}
