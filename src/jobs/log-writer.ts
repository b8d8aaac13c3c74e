import type pg from 'pg';
import type { JobStatus } from '../db/schema.ts';
import type { Logger } from '../logger.ts';

/** Channel carrying comma-separated job-log ids whose row just changed. */
export const JOB_LOG_CHANNEL = 'tenantry_job_logs';

/** A partial change to one job_logs row; absent fields are left as they are. */
export interface JobLogChange {
  status?: JobStatus;
  attempts?: number;
  startedAt?: Date;
  progress?: number;
  step?: string;
  /** JSON text of the handler's result. */
  result?: string;
  errorMessage?: string;
  errorStack?: string;
  finishedAt?: Date;
  durationMs?: number;
  /** Remove the finished graphile-worker job in the same statement (see update()). */
  release?: { jobId: string; workerId: string };
}

interface Entry {
  change: JobLogChange;
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

const MAX_BATCH = 500;
const MAX_FLIGHTS = 2;

/**
 * Besides the log rows, the statement deletes the graphile-worker jobs that finished for good
 * and unlocks their lanes, instead of leaving that to graphile-worker's own completion a moment
 * later: the log and the queue then change atomically, and the next job of a tenant lane is
 * free at once. graphile-worker 0.17 would otherwise look for it before its batched completion
 * ran, find the lane still locked, and idle until its next poll. Invariant: only a job still
 * locked by this worker is deleted, so graphile-worker's own completion afterwards finds
 * nothing to do. Workers are woken through its `jobs:insert` channel; subscribers of a job log
 * through JOB_LOG_CHANNEL. A cancelled row stays cancelled: a handler that outlives its cancel
 * cannot revive it.
 */
const BATCH_UPDATE = `
  WITH done AS (
    DELETE FROM graphile_worker._private_jobs AS j
    USING unnest($1::bigint[], $2::text[]) AS r(id, worker)
    WHERE j.id = r.id AND j.locked_by = r.worker
    RETURNING j.job_queue_id, j.locked_by
  ), unlocked AS (
    UPDATE graphile_worker._private_job_queues AS q SET locked_by = NULL, locked_at = NULL
    FROM done WHERE q.id = done.job_queue_id AND q.locked_by = done.locked_by
    RETURNING q.id
  ), updated AS (
    UPDATE tenantry.job_logs AS l SET
      status = CASE WHEN l.status = 'cancelled' THEN l.status ELSE coalesce(u.status, l.status) END,
      attempts = coalesce(u.attempts, l.attempts),
      started_at = coalesce(u.started_at, l.started_at),
      progress = coalesce(u.progress, l.progress),
      step = coalesce(u.step, l.step),
      result = coalesce(u.result, l.result),
      error_message = coalesce(u.error_message, l.error_message),
      error_stack = coalesce(u.error_stack, l.error_stack),
      finished_at = coalesce(u.finished_at, l.finished_at),
      duration_ms = coalesce(u.duration_ms, l.duration_ms)
    FROM unnest($3::bigint[], $4::text[], $5::int[], $6::timestamptz[], $7::smallint[], $8::text[], $9::jsonb[],
                $10::text[], $11::text[], $12::timestamptz[], $13::int[])
      AS u(id, status, attempts, started_at, progress, step, result, error_message, error_stack, finished_at, duration_ms)
    WHERE l.id = u.id
    RETURNING l.id
  )
  SELECT
    (SELECT pg_notify('${JOB_LOG_CHANNEL}', string_agg(id::text, ',')) FROM updated HAVING count(*) > 0),
    (SELECT pg_notify('jobs:insert', json_build_object('count', count(*))::text) FROM unlocked HAVING count(*) > 0)`;

/**
 * Coalesces job-log writes from all jobs of a worker process into batched UPDATEs.
 * Non-terminal changes (running, progress) wait up to `windowMs`, so a job that finishes
 * inside the window costs one write instead of two; terminal changes are flushed at once
 * and awaited, so a job is only reported done to graphile-worker after its log says so.
 * Changes to one row merge in order: the last value of each field wins.
 */
export class JobLogWriter {
  private pending = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  /** Rows whose write is in flight; their next change waits for it, so a row's writes stay in order. */
  private readonly inFlight = new Set<string>();
  private readonly flights = new Set<Promise<void>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    private readonly windowMs = 25,
  ) {}

  /** Records a change without waiting for it. */
  note(id: string, change: JobLogChange): void {
    this.merge(id, change);
    this.schedule(false);
  }

  /** Records a change and resolves once it is in the database. */
  commit(id: string, change: JobLogChange): Promise<void> {
    return new Promise((resolve, reject) => {
      this.merge(id, change).waiters.push({ resolve, reject });
      this.schedule(true);
    });
  }

  /** Writes everything pending; used on shutdown. */
  async drain(): Promise<void> {
    while (this.pending.size > 0 || this.flights.size > 0) {
      this.startFlush();
      await Promise.race(this.flights);
    }
  }

  private merge(id: string, change: JobLogChange): Entry {
    let entry = this.pending.get(id);
    if (!entry) {
      entry = { change: {}, waiters: [] };
      this.pending.set(id, entry);
    }
    Object.assign(entry.change, change);
    return entry;
  }

  private schedule(urgent: boolean): void {
    if (urgent) {
      clearTimeout(this.timer);
      this.timer = undefined;
      queueMicrotask(() => this.startFlush());
    } else {
      this.timer ??= setTimeout(() => this.startFlush(), this.windowMs);
    }
  }

  /**
   * Up to MAX_FLIGHTS batches are written at once: a job waiting for its terminal write does
   * not also wait for the batch before it, which would halve a worker's job rate.
   */
  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flights.size >= MAX_FLIGHTS) return;
    const batch: Array<[string, Entry]> = [];
    for (const item of this.pending) {
      if (batch.length === MAX_BATCH) break;
      if (!this.inFlight.has(item[0])) batch.push(item);
    }
    if (batch.length === 0) return;
    for (const [id] of batch) {
      this.pending.delete(id);
      this.inFlight.add(id);
    }
    const flight: Promise<void> = this.write(batch).finally(() => {
      for (const [id] of batch) this.inFlight.delete(id);
      this.flights.delete(flight);
      if (this.pending.size > 0) this.schedule([...this.pending.values()].some((e) => e.waiters.length > 0));
    });
    this.flights.add(flight);
  }

  private async write(batch: Array<[string, Entry]>): Promise<void> {
    try {
      await this.update(batch).catch(() => this.update(batch));
      for (const [, entry] of batch) for (const w of entry.waiters) w.resolve();
    } catch (err) {
      this.logger.error({ err, jobLogs: batch.length }, 'job log write failed');
      for (const [, entry] of batch) for (const w of entry.waiters) w.reject(err);
    }
  }

  /**
   * One statement per batch (see BATCH_UPDATE). It runs as a named prepared statement on the
   * pool, not through kysely: planning this statement costs several times its execution, and
   * it runs for every batch of finished jobs.
   */
  private async update(batch: Array<[string, Entry]>): Promise<void> {
    const col = <T>(pick: (c: JobLogChange) => T | undefined) => batch.map(([, e]) => pick(e.change) ?? null);
    const released = batch.flatMap(([, e]) => (e.change.release ? [e.change.release] : []));
    await this.pool.query({
      name: 'tenantry_job_log_batch',
      text: BATCH_UPDATE,
      values: [
        released.map((r) => r.jobId),
        released.map((r) => r.workerId),
        batch.map(([id]) => id),
        col((c) => c.status),
        col((c) => c.attempts),
        col((c) => c.startedAt),
        col((c) => c.progress),
        col((c) => c.step),
        col((c) => c.result),
        col((c) => c.errorMessage),
        col((c) => c.errorStack),
        col((c) => c.finishedAt),
        col((c) => c.durationMs),
      ],
    });
  }
}
