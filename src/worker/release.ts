import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';

/**
 * Releases the jobs held by graphile-worker pools that no longer run them: a dead worker's,
 * or a worker's own previous pool after it lost its database connection. Call inside one
 * transaction, once the handlers of those pools have stopped.
 *
 * - A job whose log already says `completed` ran to success; only graphile-worker's completion
 *   was lost. It is completed now, not run again (no duplicate execution).
 * - Any other held job ran an attempt that did not finish: its log goes back to `pending`
 *   (released for retry, the attempt counted), or to `failed` when that was its last attempt.
 *
 * Public graphile-worker functions only: force_unlock_workers, then complete_jobs (which
 * removes unlocked jobs alone, hence the order; in one transaction no other worker can take
 * a finished job in between). Returns how many jobs were completed and released.
 */
export async function releasePoolJobs(
  trx: DbOrTrx,
  poolIds: string[],
): Promise<{ completed: number; released: number }> {
  const { rows: held } = await sql<{
    id: string;
    attempts: number;
    max_attempts: number;
    completed: boolean;
  }>`
    SELECT j.id, j.attempts, j.max_attempts, coalesce(l.status = 'completed', false) AS completed
    FROM graphile_worker.jobs j
    LEFT JOIN tenantry.job_logs l ON l.job_id = j.id
    WHERE j.locked_by = ANY(${poolIds}::text[])`.execute(trx);
  if (held.length === 0) return { completed: 0, released: 0 };
  const done = held.filter((j) => j.completed).map((j) => j.id);
  const unfinished = held.filter((j) => !j.completed).map((j) => j.id);
  if (unfinished.length > 0) {
    await sql`
      UPDATE tenantry.job_logs l SET
        status = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'pending' END,
        finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
        error_message = 'the worker running this job stopped before it finished; ' ||
          CASE WHEN j.attempts >= j.max_attempts THEN 'it was the last attempt' ELSE 'released for retry' END
      FROM graphile_worker.jobs j
      WHERE j.id = ANY(${unfinished}::bigint[]) AND l.job_id = j.id AND l.status IN ('pending', 'running')`.execute(
      trx,
    );
  }
  await sql`SELECT graphile_worker.force_unlock_workers(${poolIds}::text[])`.execute(trx);
  if (done.length > 0) await sql`SELECT graphile_worker.complete_jobs(${done}::bigint[])`.execute(trx);
  return { completed: done.length, released: unfinished.length };
}
