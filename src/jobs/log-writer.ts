import type pg from 'pg';
import { isConnectionError, isRetryableConflict, sqlState } from '../db/errors.ts';
import type { Logger } from '../logger.ts';
import { type JobLogChange, writeJobLogBatch } from './log-batch.ts';
import { type PendingEntry, PendingLogChanges } from './log-pending.ts';

const MAX_BATCH = 500;
const MAX_FLIGHTS = 2;
/**
 * How long a flight carrying only unawaited changes (successful jobs' ends) waits for the one
 * in the air, at most. Two sent back to back fell into step: the one whose admission pass held
 * the turn held every lane, and the other, a millisecond behind, could neither admit nor fold
 * the slots its jobs freed. So a second flight goes only beside a slow one (a long pass, many
 * tenants); an awaited change (a failure, a cancellation) still goes at once. Alternating
 * drains of 50,000 jobs against back-to-back flights: 10 busy tenants +11% (four of four), 100
 * and 1,000 even. One flight only: 10 tenants faster, 1,000 5% slower; a 10 ms gap before
 * every flight: 10 tenants ~25% slower (docs/benchmarks.md, run AB).
 */
const SECOND_FLIGHT_AFTER_MS = 6;
const RETRY_MAX_MS = 5_000;
/**
 * Whether a failed write says something about the data (set aside) rather than about the
 * server or the moment (kept and written again): connection loss, shutdown, too many
 * connections, deadlocks, serialization failures and lock timeouts are all worth the wait.
 */
function refusedAsData(err: unknown): boolean {
  if (isConnectionError(err) || isRetryableConflict(err)) return false;
  const code = sqlState(err);
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) && code !== '55P03';
}

export interface JobLogWriterOptions {
  /** How long progress and `running` changes wait to be merged with later ones. */
  windowMs?: number;
  /** Least age of the flight in the air before unawaited changes go beside it; default SECOND_FLIGHT_AFTER_MS. */
  secondFlightAfterMs?: number;
  /** This worker's admission slots now, passed to each batch's admission pass (record_job_outcomes). */
  minBudget?: () => number;
}

/**
 * Coalesces job-log writes from all jobs of a worker process into batched statements.
 * - `note`: progress and `running`; waits up to `windowMs`, so a job finishing inside the
 *   window costs one write instead of two.
 * - `settle`: a successful job's terminal change. Not awaited: graphile-worker's own completion
 *   may remove the job first. Written in the next flight (at once when none is in the air,
 *   beside one only once it has been out `secondFlightAfterMs`), so under load one statement
 *   carries every job that finished during the flights before it. Should the process die
 *   before the write, the job is gone with its log still open; rescue of the dead worker
 *   settles such logs (see orphans.ts).
 * - `commit`: failures and cancellations; written at once and awaited, so graphile-worker
 *   only learns of the outcome after the log records it.
 * Changes to one row merge in order: the last value of each field wins. A failed write is
 * retried with backoff; a batch the server refuses is retried row by row, so one bad row
 * cannot hold back the others.
 */
export class JobLogWriter {
  private readonly pending = new PendingLogChanges();
  private timer: NodeJS.Timeout | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  /** Rows whose write is in flight; their next change waits for it, so a row's writes stay in order. */
  private readonly inFlight = new Set<string>();
  /** Batches in the air, with when each started. */
  private readonly flights = new Map<Promise<void>, number>();
  private failures = 0;
  private retryAt = 0;
  private readonly windowMs: number;
  private readonly minBudget: () => number;
  private readonly secondFlightAfterMs: number;

  private readonly pool: pg.Pool;
  private readonly logger: Logger;

  constructor(pool: pg.Pool, logger: Logger, options: JobLogWriterOptions = {}) {
    this.pool = pool;
    this.logger = logger;
    this.windowMs = options.windowMs ?? 25;
    this.secondFlightAfterMs = options.secondFlightAfterMs ?? SECOND_FLIGHT_AFTER_MS;
    this.minBudget = options.minBudget ?? (() => 0);
  }

  note(id: string, change: JobLogChange): void {
    const entry = this.merge(id, change, Date.now() + this.windowMs);
    if (entry) this.schedule(entry.due);
  }

  settle(id: string, change: JobLogChange): void {
    const entry = this.merge(id, change, Date.now());
    if (entry) this.schedule(entry.due);
  }

  commit(id: string, change: JobLogChange): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = this.merge(id, change, Date.now());
      if (!entry) return reject(new Error('job log backlog is full; the change was not kept'));
      this.pending.wait(id, { resolve, reject });
      this.schedule(Date.now());
    });
  }

  /**
   * Writes everything pending, retrying failures until `timeoutMs` has passed; false when
   * changes were left unwritten (used on shutdown).
   */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.pending.size > 0 || this.flights.size > 0) {
      if (Date.now() > until) {
        this.logger.error({ jobLogs: this.pending.size }, 'job log changes left unwritten at shutdown');
        return false;
      }
      this.retryAt = Math.min(this.retryAt, Date.now() + 200);
      this.startFlush();
      await Promise.race([...this.flights.keys(), new Promise((r) => setTimeout(r, 50))]);
    }
    return true;
  }

  /** Changes waiting to be written (rows): a gauge for health and metrics. */
  get backlog(): number {
    return this.pending.size;
  }

  /** The row's pending entry with `change` merged in; undefined when the backlog is full. */
  private merge(id: string, change: JobLogChange, due: number): PendingEntry | undefined {
    const entry = this.pending.merge(id, change, due);
    if (!entry) {
      this.logger.error({ jobLog: id, kept: this.pending.size }, 'job log backlog is full; change not kept');
    }
    return entry;
  }

  private schedule(due: number): void {
    const at = Math.max(due, this.retryAt);
    if (at >= this.deadline) return;
    clearTimeout(this.timer);
    this.deadline = at;
    const delay = at - Date.now();
    if (delay <= 0) {
      this.timer = undefined;
      queueMicrotask(() => this.startFlush());
    } else {
      this.timer = setTimeout(() => this.startFlush(), delay);
    }
  }

  private rescheduleEarliest(): void {
    const due = this.pending.earliestDue();
    if (due !== Number.POSITIVE_INFINITY) this.schedule(due);
  }

  /**
   * Up to MAX_FLIGHTS batches are written at once: a job waiting for its terminal write does
   * not also wait for the batch before it.
   */
  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.deadline = Number.POSITIVE_INFINITY;
    if (this.flights.size >= MAX_FLIGHTS) return;
    // Unawaited changes go beside a flight in the air only once it has been out a while.
    if (this.flights.size > 0 && !this.pending.anyAwaited) {
      const at = Math.min(...this.flights.values()) + this.secondFlightAfterMs;
      if (Date.now() < at) {
        this.schedule(at);
        return;
      }
    }
    if (Date.now() < this.retryAt) {
      this.rescheduleEarliest();
      return;
    }
    const batch = this.pending.take(this.inFlight, MAX_BATCH);
    if (batch.length === 0) return;
    for (const [id] of batch) this.inFlight.add(id);
    const flight: Promise<void> = this.write(batch).finally(() => {
      for (const [id] of batch) this.inFlight.delete(id);
      this.flights.delete(flight);
      this.rescheduleEarliest();
    });
    this.flights.set(flight, Date.now());
  }

  private async write(batch: Array<[string, PendingEntry]>): Promise<void> {
    try {
      await writeJobLogBatch(
        this.pool,
        batch.map(([id, entry]) => [id, entry.change]),
        this.minBudget(),
      );
      this.failures = 0;
      this.retryAt = 0;
      for (const [, entry] of batch) for (const w of entry.waiters) w.resolve();
    } catch (err) {
      this.failures += 1;
      this.retryAt = Date.now() + Math.min(RETRY_MAX_MS, 100 * 2 ** this.failures);
      // A server error about the statement's data is narrowed down row by row and the bad row
      // set aside; anything else (connection lost, deadlock) is kept and retried until written.
      const refused = refusedAsData(err);
      this.logger[this.failures > 1 ? 'warn' : 'error'](
        { err, jobLogs: batch.length, attempt: this.failures },
        'job log write failed; kept for retry',
      );
      for (const [id, entry] of batch) {
        if (refused && (entry.alone || batch.length === 1)) {
          this.logger.error(
            { err, jobLog: id, change: entry.change },
            'job log change refused by the database; set aside',
          );
          for (const w of entry.waiters) w.reject(err);
          continue;
        }
        // Waiters stay with their change and learn of it once it is written.
        this.pending.requeue(id, entry, refused);
      }
    }
  }
}
