import { Doorbell } from './Doorbell';

export interface PollingLoopOptions {
  /** Between passes that found nothing to do, unless woken. */
  pollMs: number;
  /** One pass; true when there may be more to do right away (no sleep). */
  pass: () => Promise<boolean>;
  onError: (error: unknown) => void;
}

/** Runs `pass` until stopped, sleeping `pollMs` after an idle pass unless `wake()` is called. */
export class PollingLoop {
  private readonly bell = new Doorbell();
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: PollingLoopOptions) {}

  start() {
    this.stopping = false;
    this.loop ??= this.run();
  }

  wake() {
    this.bell.ring();
  }

  /** Resolves when the current pass has ended. */
  async stop() {
    this.stopping = true;
    this.bell.ring();
    await this.loop;
    this.loop = undefined;
  }

  private async run() {
    while (!this.stopping) {
      let again = false;
      try {
        again = await this.options.pass();
      } catch (e) {
        this.options.onError(e);
      }
      if (!again && !this.stopping) await this.bell.sleep(this.options.pollMs);
    }
  }
}
