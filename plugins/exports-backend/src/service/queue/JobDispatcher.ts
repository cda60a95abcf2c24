import { PollingLoop } from './PollingLoop';

export interface JobDispatcherOptions<J> {
  /** Jobs run at the same time in this process. */
  slots: number;
  /** Idle: claim again after this long unless woken (new job, a slot freed). */
  pollMs: number;
  /** Claims up to `count` jobs in one round trip. */
  claim(count: number): Promise<J[]>;
  run(job: J): Promise<void>;
  onError(error: unknown): void;
}

/**
 * Fills free slots: one claim asks for as many jobs as there are idle slots, each claimed job
 * runs in its own slot, and a finished job wakes the claim loop at once. Between claims the
 * loop sleeps until the poll or a `wake()` (LISTEN/NOTIFY, a job queued in this process).
 */
export class JobDispatcher<J> {
  private readonly running = new Set<Promise<void>>();
  private readonly loop: PollingLoop;

  constructor(private readonly options: JobDispatcherOptions<J>) {
    this.loop = new PollingLoop({
      pollMs: options.pollMs,
      pass: () => this.fillSlots(),
      onError: options.onError,
    });
  }

  start() {
    this.loop.start();
  }

  /** There may be new work: claim now instead of at the next poll. */
  wake() {
    this.loop.wake();
  }

  /** Stops claiming and waits for the running jobs. */
  async stop() {
    await this.loop.stop();
    await Promise.all(this.running);
  }

  /** True when every free slot got a job (more may be waiting once one frees). */
  private async fillSlots(): Promise<boolean> {
    const free = this.options.slots - this.running.size;
    if (free <= 0) return false;
    const jobs = await this.options.claim(free);
    jobs.forEach(job => this.launch(job));
    return jobs.length > 0 && jobs.length === free;
  }

  private launch(job: J) {
    const running: Promise<void> = this.options
      .run(job)
      .catch(e => this.options.onError(e))
      .finally(() => {
        this.running.delete(running);
        this.loop.wake();
      });
    this.running.add(running);
  }
}
