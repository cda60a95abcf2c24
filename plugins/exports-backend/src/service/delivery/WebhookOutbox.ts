import { Knex } from 'knex';
import type { DbExportJobRow } from '../ExportStore';
import { webhookPayload } from './webhookPayload';

/** A row of `export_webhook_outbox`: one notification of one job's outcome. */
export interface DbWebhookOutboxRow {
  id: string;
  job_id: string;
  url: string;
  payload: Record<string, unknown>;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  max_attempts: number;
  next_attempt_at: Date;
  created_at: Date;
}

/** The result of one POST. `permanent`: no point retrying (the host left the allow-list). */
export interface WebhookAttemptResult {
  statusCode: number | null;
  error: string | null;
  delivered: boolean;
  permanent: boolean;
}

const MAX_BACKOFF_MS = 15 * 60_000;

/** Backoff before attempt n+1 (n = attempts so far): base × 4^(n-1), at most 15 min. */
export function webhookRetryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 4 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/**
 * Pending webhook notifications in Postgres, so the remaining attempts survive a restart and
 * any replica can make them. A claim counts the attempt and pushes `next_attempt_at` past the
 * POST's timeout (a lease): if the process dies mid-POST the row is due again after it.
 */
export class WebhookOutbox {
  constructor(private readonly db: Knex) {}

  /** Queues the webhook of a finished job, in the transaction that finished it. */
  static async enqueue(
    tx: Knex,
    row: DbExportJobRow,
    maxAttempts: number,
  ): Promise<void> {
    if (row.delivery.type !== 'webhook') return;
    await tx('export_webhook_outbox').insert({
      job_id: row.id,
      url: row.delivery.url,
      payload: JSON.stringify(webhookPayload(row)),
      max_attempts: maxAttempts,
    });
  }

  /** Claims up to `limit` due notifications for one attempt each. */
  async claimDue(
    limit: number,
    leaseMs: number,
  ): Promise<DbWebhookOutboxRow[]> {
    // A process that died mid-POST on the last attempt leaves the row pending with no attempt left.
    await this.db('export_webhook_outbox')
      .where('state', 'pending')
      .where('next_attempt_at', '<=', this.db.fn.now())
      .whereRaw('attempts >= max_attempts')
      .update({ state: 'failed' });
    const result = await this.db.raw(
      `UPDATE export_webhook_outbox SET attempts = attempts + 1,
         next_attempt_at = now() + (? * interval '1 millisecond')
       WHERE id IN (
         SELECT id FROM export_webhook_outbox
         WHERE state = 'pending' AND next_attempt_at <= now() AND attempts < max_attempts
         ORDER BY next_attempt_at, id
         LIMIT ?
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [leaseMs, limit],
    );
    return result.rows as DbWebhookOutboxRow[];
  }

  /**
   * Logs the attempt in `export_webhook_deliveries` and settles the row: delivered, failed
   * (attempts used up, or permanent), or due again after the backoff. Only while the row is
   * still at this attempt (a slower process whose lease ran out changes nothing).
   */
  async finishAttempt(
    claimed: DbWebhookOutboxRow,
    result: WebhookAttemptResult,
    backoffBaseMs: number,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      await tx('export_webhook_deliveries').insert({
        job_id: claimed.job_id,
        attempt: claimed.attempts,
        url: claimed.url,
        status_code: result.statusCode,
        error: result.error,
        delivered: result.delivered,
      });
      let next: Record<string, unknown>;
      if (result.delivered) next = { state: 'delivered' };
      else if (result.permanent || claimed.attempts >= claimed.max_attempts)
        next = { state: 'failed' };
      else {
        next = {
          next_attempt_at: tx.raw(`now() + (? * interval '1 millisecond')`, [
            webhookRetryDelayMs(claimed.attempts, backoffBaseMs),
          ]),
        };
      }
      await tx('export_webhook_outbox')
        .where({ id: claimed.id, attempts: claimed.attempts, state: 'pending' })
        .update(next);
    });
  }

  /** Notifications of one job (tests, diagnostics). */
  async ofJob(jobId: string): Promise<DbWebhookOutboxRow[]> {
    return this.db<DbWebhookOutboxRow>('export_webhook_outbox')
      .where({ job_id: jobId })
      .orderBy('id');
  }
}
