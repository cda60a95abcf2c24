import { startWebhookReceiver } from '@internal/plugin-platform-node/testUtils';
import { deliverStatusWebhook } from './statusWebhook';

describe('deliverStatusWebhook (real local receiver)', () => {
  const options = (url: string) => ({
    url,
    timeoutMs: 2000,
    attempts: 4,
    backoffMs: 100,
  });

  it('retries 5xx and 429 with 4× backoff until delivered, posting the same body each time', async () => {
    const statuses = [500, 429, 204];
    const receiver = await startWebhookReceiver({
      statusFor: n => statuses[n - 1],
    });
    const waits: number[] = [];
    try {
      const result = await deliverStatusWebhook(
        options(`${receiver.baseUrl}/hook`),
        { limit: 'postgres-disk', to: 'red' },
        async ms => waits.push(ms),
      );
      expect(result).toBe('delivered (HTTP 204) on attempt 3 of 4');
      expect(waits).toEqual([100, 400]);
      expect(receiver.received.map(r => JSON.parse(r.body))).toEqual(
        Array(3).fill({ limit: 'postgres-disk', to: 'red' }),
      );
      expect(receiver.received[0].headers['content-type']).toBe(
        'application/json',
      );
    } finally {
      await receiver.close();
    }
  });

  it('stops after the bounded number of attempts', async () => {
    const receiver = await startWebhookReceiver({ statusFor: () => 503 });
    try {
      const result = await deliverStatusWebhook(
        options(receiver.baseUrl),
        {},
        async () => undefined,
      );
      expect(result).toBe('failed after 4 attempts (HTTP 503)');
      expect(receiver.received).toHaveLength(4);
    } finally {
      await receiver.close();
    }
  });

  it('does not retry an answer that will not change (4xx other than 408/429)', async () => {
    const receiver = await startWebhookReceiver({ statusFor: () => 400 });
    try {
      expect(
        await deliverStatusWebhook(
          options(receiver.baseUrl),
          {},
          async () => undefined,
        ),
      ).toBe('failed (HTTP 400, not retried)');
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('retries a refused connection (real timer)', async () => {
    const receiver = await startWebhookReceiver();
    const url = receiver.baseUrl;
    await receiver.close();
    const result = await deliverStatusWebhook(
      { url, timeoutMs: 1000, attempts: 2, backoffMs: 50 },
      {},
    );
    expect(result).toMatch(/^failed after 2 attempts \(/);
  });
});
