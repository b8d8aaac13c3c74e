import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';

/**
 * Releases the jobs held by graphile-worker pools that no longer run them: a dead worker's,
 * or a worker's own previous pool after it lost its database connection. Call inside one
 * transaction, once the handlers of those pools have stopped.
 *
 * - A job whose log already says `completed` ran to success, and a tenant job whose lane row is
 *   gone has ended; only graphile-worker's completion was lost. It is completed now, not run
 *   again (no duplicate execution).
 * - Any other held job ran an attempt that did not finish: its log goes back to `pending`
 *   (released for retry, the attempt counted), or to `failed` when that was its last attempt.
 *   A central job is retried by graphile-worker; a tenant job admitted from its lane goes back
 *   to waiting there (requeue_admitted), so the scheduler's accounting stays exact.
 *
 * Public graphile-worker functions only: force_unlock_workers, then complete_jobs (which
 * removes unlocked jobs alone, hence the order; in one transaction no other worker can take
 * a finished job in between). Returns how many jobs were completed and released.
 */
export async function releasePoolJobs(
  trx: DbOrTrx,
  poolIds: string[],
): Promise<{ completed: number; released: number }> {
  // A laned job's log is found through its lane_jobs row (admission does not write the job id
  // into the log); a central job's log names its job.
  const { rows: held } = await sql<{
    id: string;
    log_id: string | null;
    attempts: number;
    max_attempts: number;
    completed: boolean;
    laned: boolean;
    prior: number;
  }>`
    SELECT j.id, coalesce(lj.log_id, l.id) AS log_id, j.attempts, j.max_attempts,
           -- An admitted job whose lane row is gone has ended: its outcome was recorded (the
           -- worker drains its job-log writes first), only graphile-worker's completion was lost.
           coalesce(coalesce(ll.status, l.status) = 'completed', false)
             OR (j.flags ? 'laned' AND lj.log_id IS NULL) AS completed,
           lj.log_id IS NOT NULL AS laned, coalesce(lj.attempts, 0)::int AS prior
    FROM graphile_worker.jobs j
    LEFT JOIN tenantry.lane_jobs lj ON lj.job_id = j.id
    LEFT JOIN tenantry.job_logs ll ON ll.id = lj.log_id
    LEFT JOIN tenantry.job_logs l ON lj.log_id IS NULL AND l.job_id = j.id
    WHERE j.locked_by = ANY(${poolIds}::text[])
    ORDER BY 2`.execute(trx);
  if (held.length === 0) return { completed: 0, released: 0 };
  const last = (j: (typeof held)[number]) => j.attempts >= j.max_attempts;
  const unfinished = held.filter((j) => !j.completed && j.log_id !== null);
  if (unfinished.length > 0) {
    await sql`
      UPDATE tenantry.job_logs l SET
        status = CASE WHEN u.last THEN 'failed' ELSE 'pending' END,
        finished_at = CASE WHEN u.last THEN now() END,
        error_message = 'the worker running this job stopped before it finished; ' ||
          CASE WHEN u.last THEN 'it was the last attempt' ELSE 'released for retry' END
      FROM unnest(${unfinished.map((j) => j.log_id)}::bigint[], ${unfinished.map(last)}::boolean[]) AS u(id, last)
      WHERE l.id = u.id AND l.status IN ('pending', 'running')`.execute(trx);
  }
  await sql`SELECT graphile_worker.force_unlock_workers(${poolIds}::text[])`.execute(trx);
  const done = held.filter((j) => j.completed || (j.laned && last(j)));
  const retried = held.filter((j) => j.laned && !j.completed && !last(j));
  const removed = [...done, ...retried].map((j) => j.id);
  if (removed.length > 0) await sql`SELECT graphile_worker.complete_jobs(${removed}::bigint[])`.execute(trx);
  const finished = done.filter((j) => j.laned && j.log_id !== null).map((j) => j.log_id);
  if (finished.length > 0) await sql`SELECT tenantry.finish_admitted(${finished}::bigint[])`.execute(trx);
  if (retried.length > 0) {
    await sql`SELECT tenantry.requeue_admitted(${retried.map((j) => j.id)}::bigint[],
      ${retried.map(() => new Date())}::timestamptz[], ${retried.map((j) => j.prior + j.attempts)}::smallint[])`.execute(
      trx,
    );
  }
  return {
    completed: held.filter((j) => j.completed).length,
    released: held.filter((j) => !j.completed).length,
  };
}
