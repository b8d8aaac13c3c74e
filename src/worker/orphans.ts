import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import { JOB_LOG_CHANNEL } from '../jobs/log-batch.ts';

/**
 * Closes the job logs of jobs that completed without their final write: a worker records a
 * success without waiting (see JobLogWriter.settle), so a process that dies in that moment
 * leaves the job removed by graphile-worker and its log still open.
 *
 * Invariant this relies on: graphile-worker removes a job only after its handler succeeded
 * (or, for our own removals, in the same transaction as the terminal log write), so an open
 * log without a job is a success. Failures keep their job until the log records them, and a
 * dead worker's unfinished jobs still exist (they are released, not removed). A live worker's
 * write landing afterwards only fills in the result and timings. Scans job_logs (no index
 * covers status, to keep execution updates HOT), so it runs when a worker is declared dead,
 * not on a timer. A tenant job's lane slot is freed with it.
 */
export async function settleOrphanedLogs(db: DbOrTrx): Promise<string[]> {
  // Central jobs: the log names its job. Tenant jobs: the lane row names the admitted job.
  const { rows } = await sql<{ id: string }>`
    UPDATE tenantry.job_logs AS l
    SET status = 'completed', progress = 100, finished_at = now(),
        step = 'completed; the worker stopped before recording its result'
    WHERE l.status IN ('pending', 'running')
      AND (
        (l.tenant_id IS NULL AND l.job_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.id = l.job_id))
        OR l.id IN (
          SELECT w.log_id FROM tenantry.lane_jobs w
          WHERE w.job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.id = w.job_id))
      )
    RETURNING l.id`.execute(db);
  if (rows.length === 0) return [];
  await sql`SELECT tenantry.finish_admitted(${rows.map((r) => r.id)}::bigint[])`.execute(db);
  await sql`SELECT pg_notify(${JOB_LOG_CHANNEL}, ${rows.map((r) => r.id).join(',')})`.execute(db);
  return rows.map((r) => r.id);
}
