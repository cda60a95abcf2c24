/**
 * A sleep that `ring()` ends early. A ring while nobody sleeps is kept for the next `sleep`,
 * so work announced during a claim is not missed.
 */
export class Doorbell {
  private rung = false;
  private waiting: (() => void) | undefined;

  ring() {
    this.rung = true;
    this.waiting?.();
  }

  /** Resolves after `ms`, or at once / as soon as the bell rings. */
  sleep(ms: number): Promise<void> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve();
    }
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.waiting = undefined;
        this.rung = false;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.waiting = done;
    });
  }
}
