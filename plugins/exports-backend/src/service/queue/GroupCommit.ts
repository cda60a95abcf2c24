/** One item's result from a group commit: its value, or the error that item alone failed with. */
export type GroupResult<R> = { value: R } | { error: unknown };

/**
 * Collects the items added within one turn of the event loop and commits them together (one
 * call of `commit` for up to `maxBatch` items), so N jobs finishing together cost one database
 * transaction instead of N. `commit` returns one result per item, in order; if it throws,
 * every item of the batch rejects with that error. Batches do not wait for each other.
 */
export class GroupCommit<I, R> {
  private pending: Array<{
    item: I;
    resolve: (value: R) => void;
    reject: (error: unknown) => void;
  }> = [];
  private scheduled = false;

  constructor(
    private readonly commit: (items: I[]) => Promise<GroupResult<R>[]>,
    private readonly maxBatch = 100,
  ) {}

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush() {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.commit(batch.map(p => p.item)).then(
        results =>
          batch.forEach((p, i) => {
            const result = results[i];
            if (!result) p.reject(new Error('group commit gave no result'));
            else if ('value' in result) p.resolve(result.value);
            else p.reject(result.error);
          }),
        error => batch.forEach(p => p.reject(error)),
      );
    }
  }
}
