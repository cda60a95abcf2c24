export interface JobDispatcherOptions<J> {
  /** Jobs run at the same time in this process. */
  slots: number;
  /** Idle slots look for work this often unless woken (new job, a slot freed). */
  pollMs: number;
  /** Claims up to `count` jobs in one round trip. */
  claim(count: number): Promise<J[]>;
  /**
   * Runs a job. It may resolve with the slot's next job, claimed together with the job's
   * completion (one round trip for both): that job runs in the slot at once.
   */
  run(job: J): Promise<J | void>;
  onError(error: unknown): void;
}

/**
 * Fills free slots: a claim asks for as many jobs as there are free slots not already being
 * claimed for, and each claimed job runs in its own slot. A job's end claims for its slot at
 * once, even while another claim is in flight: claims overlap instead of queueing behind each
 * other (under load a round trip, not the claim's SQL, is most of a claim's time). Idle slots
 * claim on `wake()` (LISTEN/NOTIFY, a job queued in this process) and at every poll.
 */
export class JobDispatcher<J> {
  private readonly running = new Set<Promise<void>>();
  private readonly claims = new Set<Promise<void>>();
  /** Slots that claims in flight are claiming for. */
  private claiming = 0;
  private poll: NodeJS.Timeout | undefined;
  private fillScheduled = false;
  private stopping = false;

  constructor(private readonly options: JobDispatcherOptions<J>) {}

  start() {
    this.stopping = false;
    this.poll ??= setInterval(() => this.fill(), this.options.pollMs);
    this.fill();
  }

  /** There may be new work: claim now instead of at the next poll. */
  wake() {
    this.fill();
  }

  /** Stops claiming and waits for claims in flight and the running jobs. */
  async stop() {
    this.stopping = true;
    clearInterval(this.poll);
    this.poll = undefined;
    // A job handed over by a finishing one joins `running` while we wait.
    while (this.claims.size > 0 || this.running.size > 0) {
      await Promise.all([...this.claims, ...this.running]);
    }
  }

  /** False once stop() was called: runs should not claim a next job. */
  get accepting(): boolean {
    return !this.stopping;
  }

  private fill() {
    if (this.stopping) return;
    const free = this.options.slots - this.running.size - this.claiming;
    if (free <= 0) return;
    this.claiming += free;
    let full = false;
    const claim: Promise<void> = this.options
      .claim(free)
      .then(jobs => {
        // Jobs claimed while stopping still run: they are leased to this process.
        jobs.forEach(job => this.launch(job));
        full = jobs.length === free;
      })
      .catch(e => this.options.onError(e))
      .finally(() => {
        this.claiming -= free;
        this.claims.delete(claim);
        // Every slot got a job: more may be waiting (slots still free claim again now).
        if (full) this.fill();
      });
    this.claims.add(claim);
  }

  /**
   * Jobs completed together (one group commit) end in the same turn of the event loop: one
   * claim for all their slots instead of one per slot.
   */
  private fillSoon() {
    if (this.fillScheduled) return;
    this.fillScheduled = true;
    setImmediate(() => {
      this.fillScheduled = false;
      this.fill();
    });
  }

  private launch(job: J) {
    const running: Promise<void> = this.options
      .run(job)
      .then(
        next => {
          this.running.delete(running);
          // Leased to this process, like jobs claimed while stopping: it runs.
          if (next) this.launch(next);
        },
        e => this.options.onError(e),
      )
      .finally(() => {
        this.running.delete(running);
        this.fillSoon();
      });
    this.running.add(running);
  }
}
