import { setTimeout as sleep } from 'node:timers/promises';

export interface StatusWebhookOptions {
  url: string;
  timeoutMs: number;
  /** Attempts in all, the first included (bounded). */
  attempts: number;
  /** Wait before the 2nd attempt; each later wait is 4 times the previous one. */
  backoffMs: number;
}

/** Network errors, timeouts, 408, 429 and 5xx may pass; other answers will not change. */
function retryable(status: number | undefined): boolean {
  return (
    status === undefined || status === 408 || status === 429 || status >= 500
  );
}

/**
 * POSTs `body` as JSON, retrying transient failures with exponential backoff, and returns what
 * happened for the status-change record (e.g. `delivered (HTTP 204) on attempt 2 of 4`).
 * Retries run in this process: a restart between attempts loses the remaining ones.
 */
export async function deliverStatusWebhook(
  options: StatusWebhookOptions,
  body: unknown,
  wait: (ms: number) => Promise<unknown> = sleep,
): Promise<string> {
  let last = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    if (attempt > 1) await wait(options.backoffMs * 4 ** (attempt - 2));
    let status: number | undefined;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = response.status;
      await response.body?.cancel();
      last = `HTTP ${status}`;
      if (response.ok) {
        return attempt === 1
          ? `delivered (${last})`
          : `delivered (${last}) on attempt ${attempt} of ${options.attempts}`;
      }
    } catch (error) {
      last = (error as Error).message;
    }
    if (!retryable(status)) return `failed (${last}, not retried)`;
  }
  return `failed after ${options.attempts} attempts (${last})`;
}
