/** Polls `probe` every 100 ms until it returns something other than `undefined`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) {
      throw new Error(`waitFor: nothing after ${timeoutMs} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}
