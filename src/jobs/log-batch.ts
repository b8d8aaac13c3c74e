import type pg from 'pg';
import type { JobStatus } from '../db/schema.ts';

/** Postgres text and jsonb refuse NUL characters; a row carrying one would never be written. */
export const withoutNul = (text: string) => text.replaceAll('\u0000', '');

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
  /** Remove the graphile-worker job, failed for good, in the same statement (see BATCH_UPDATE). */
  release?: { jobId: string; workerId: string };
}

/**
 * Besides the log rows, the statement deletes the graphile-worker jobs that failed for good
 * (a permanent error, not retried) and unlocks their lanes, so the log and the queue change
 * atomically; graphile-worker's own failure handling afterwards finds nothing to do. Only a
 * job still locked by this worker is deleted, and a lane is unlocked only together with its
 * job, so a lane another job holds since is never unlocked. Subscribers of a job log hear of
 * the change through JOB_LOG_CHANNEL. A cancelled row stays cancelled: a handler that
 * outlives its cancel cannot revive it.
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
  SELECT pg_notify('${JOB_LOG_CHANNEL}', string_agg(id::text, ',')) FROM updated HAVING count(*) > 0`;

/**
 * Writes one batch of changes (see BATCH_UPDATE). It runs as a named prepared statement on the
 * pool, not through kysely: planning this statement costs several times its execution, and
 * it runs for every batch of finished jobs.
 */
export async function writeJobLogBatch(pool: pg.Pool, changes: Array<[string, JobLogChange]>): Promise<void> {
  const col = <T>(pick: (c: JobLogChange) => T | undefined) => changes.map(([, c]) => pick(c) ?? null);
  const released = changes.flatMap(([, c]) => (c.release ? [c.release] : []));
  await pool.query({
    name: 'tenantry_job_log_batch',
    text: BATCH_UPDATE,
    values: [
      released.map((r) => r.jobId),
      released.map((r) => r.workerId),
      changes.map(([id]) => id),
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
