import { JobDispatcher } from './JobDispatcher';

describe('JobDispatcher', () => {
  it('claims as many jobs as there are free slots and claims for a slot as soon as its job ends', async () => {
    const queue = ['a', 'b', 'c', 'd', 'e'];
    const asked: number[] = [];
    const finish = new Map<string, () => void>();
    const dispatcher = new JobDispatcher<string>({
      slots: 3,
      pollMs: 60_000, // only wake-ups and ended jobs trigger claims here
      claim: async count => {
        asked.push(count);
        return queue.splice(0, count);
      },
      run: job => new Promise<void>(done => finish.set(job, done)),
      onError: e => {
        throw e;
      },
    });
    dispatcher.start();
    await until(() => finish.size === 3);
    expect(asked).toEqual([3]);
    expect([...finish.keys()]).toEqual(['a', 'b', 'c']);
    finish.get('b')!();
    await until(() => finish.size === 4);
    expect(asked).toEqual([3, 1]);
    finish.get('a')!();
    finish.get('c')!();
    await until(() => finish.size === 5);
    // Each freed slot claims for itself at once; never more than the free slots in all.
    expect(asked.slice(2).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);
    const stopped = dispatcher.stop();
    let done = false;
    stopped.then(() => (done = true));
    await new Promise(r => setTimeout(r, 20));
    expect(done).toBe(false); // waits for running jobs
    finish.get('d')!();
    finish.get('e')!();
    await stopped;
  });

  it('a wake-up claims at once; a failing claim is reported and tried again at the next wake', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const ran: string[] = [];
    const queue: string[] = [];
    const dispatcher = new JobDispatcher<string>({
      slots: 1,
      pollMs: 60_000,
      claim: async count => {
        if (fail) throw new Error('db down');
        return queue.splice(0, count);
      },
      run: async job => {
        ran.push(job);
      },
      onError: e => errors.push(e),
    });
    dispatcher.start();
    await until(() => errors.length === 1);
    fail = false;
    queue.push('x');
    dispatcher.wake();
    await until(() => ran.length === 1);
    expect(ran).toEqual(['x']);
    await dispatcher.stop();
  });
});

async function until(condition: () => boolean) {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise(r => setTimeout(r, 1));
  }
}

describe('JobDispatcher hand-over', () => {
  it('runs the next job a finishing run hands over in the same slot, without a claim, and stop() waits for it', async () => {
    const asked: number[] = [];
    const ran: string[] = [];
    let release: () => void = () => {};
    const dispatcher = new JobDispatcher<string>({
      slots: 1,
      pollMs: 60_000,
      claim: async count => {
        asked.push(count);
        return asked.length === 1 ? ['a'] : [];
      },
      run: async job => {
        ran.push(job);
        if (job === 'a') return 'b';
        await new Promise<void>(r => (release = r));
        return undefined;
      },
      onError: e => {
        throw e;
      },
    });
    dispatcher.start();
    await until(() => ran.length === 2);
    expect(ran).toEqual(['a', 'b']);
    expect(asked).toEqual([1]); // 'b' came with 'a''s end, the slot was never free
    const stopped = dispatcher.stop();
    let done = false;
    stopped.then(() => (done = true));
    await new Promise(r => setTimeout(r, 20));
    expect(done).toBe(false);
    expect(dispatcher.accepting).toBe(false);
    release();
    await stopped;
  });
});
