/**
 * Coalesces calls issued in the same turn of the event loop into one call over all of them.
 *
 * Why: a cache statement is dominated by per-statement cost (a round trip, parse and plan,
 * a pool checkout), not by the index probe. Sixteen callers in the same turn cost one
 * `key = ANY($1)` read or one multi-row upsert instead of sixteen statements, which is how
 * the store can outrun one prepared statement per key. The wait is a `setImmediate`, so an
 * idle caller pays no timer delay.
 *
 * Invariants: every caller's promise settles exactly once, with the answer `run` gives for
 * its own item; a failed batch rejects only the callers in it; items reach `run` in the order
 * they were pushed.
 */
export class TurnBatcher<T, R> {
  private pending: Waiter<T, R>[] = [];
  private scheduled = false;

  /** Does the work for a batch and returns how to answer each item. */
  private readonly run: (items: T[]) => Promise<(item: T) => R>;
  private readonly maxBatch: number;

  constructor(
    /** Does the work for a batch and returns how to answer each item. */
    run: (items: T[]) => Promise<(item: T) => R>,
    maxBatch = 500,
  ) {
    this.run = run;
    this.maxBatch = maxBatch;
  }

  push(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.run(batch.map((w) => w.item)).then(
      (answer) => {
        for (const w of batch) {
          try {
            w.resolve(answer(w.item));
          } catch (err) {
            w.reject(err);
          }
        }
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
  }
}

interface Waiter<T, R> {
  item: T;
  resolve(value: R): void;
  reject(reason: unknown): void;
}
