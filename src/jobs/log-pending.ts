import type { JobLogChange } from './log-batch.ts';

export interface PendingEntry {
  change: JobLogChange;
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
  /** When the change should be written at the latest (ms since epoch). */
  due: number;
  /** Write this entry in a statement of its own (a batch holding it was refused). */
  alone?: boolean;
}

/**
 * Rows kept while the database cannot be written (an outage): far more than a process runs at
 * once. Past it, changes to rows not yet pending are refused (oldest kept): progress notes are
 * dropped, terminal changes reject their waiters, which fail the attempt for a retry.
 */
const MAX_PENDING_ROWS = 50_000;

/**
 * The job-log changes a writer holds, one entry per row, in the order rows first came. Also
 * knows which entries someone awaits (kept in step with the entries, so asking is O(1)).
 */
export class PendingLogChanges {
  private readonly entries = new Map<string, PendingEntry>();
  private readonly awaited = new Set<string>();

  get size(): number {
    return this.entries.size;
  }

  /** Whether any entry held has waiters (an awaited change: a failure, a cancellation). */
  get anyAwaited(): boolean {
    return this.awaited.size > 0;
  }

  /** The row's entry with `change` merged in (last value of each field wins); undefined when full. */
  merge(id: string, change: JobLogChange, due: number): PendingEntry | undefined {
    let entry = this.entries.get(id);
    if (!entry && this.entries.size >= MAX_PENDING_ROWS) return undefined;
    if (!entry) {
      entry = { change: {}, waiters: [], due };
      this.entries.set(id, entry);
    }
    Object.assign(entry.change, change);
    entry.due = Math.min(entry.due, due);
    return entry;
  }

  /** Someone waits for the row's entry (merged before) to be written. */
  wait(id: string, waiter: PendingEntry['waiters'][number]): void {
    this.entries.get(id)?.waiters.push(waiter);
    this.awaited.add(id);
  }

  /**
   * Takes up to `max` entries out, oldest first, skipping rows in `busy`; an entry to be written
   * alone comes out on its own.
   */
  take(busy: ReadonlySet<string>, max: number): Array<[string, PendingEntry]> {
    const batch: Array<[string, PendingEntry]> = [];
    for (const item of this.entries) {
      if (busy.has(item[0])) continue;
      if (item[1].alone && batch.length > 0) continue;
      batch.push(item);
      if (item[1].alone || batch.length === max) break;
    }
    for (const [id] of batch) {
      this.entries.delete(id);
      this.awaited.delete(id);
    }
    return batch;
  }

  /** Puts a failed change back under any newer change to the same row. */
  requeue(id: string, entry: PendingEntry, alone: boolean): void {
    const newer = this.entries.get(id);
    const waiters = [...entry.waiters, ...(newer?.waiters ?? [])];
    this.entries.set(id, {
      change: { ...entry.change, ...newer?.change },
      waiters,
      due: Math.min(entry.due, newer?.due ?? entry.due),
      alone: alone || newer?.alone,
    });
    if (waiters.length > 0) this.awaited.add(id);
  }

  /** The earliest due time held; +Infinity when empty. */
  earliestDue(): number {
    let due = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) due = Math.min(due, entry.due);
    return due;
  }
}
