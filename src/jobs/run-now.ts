import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { type JobScope, lockLog } from './control.ts';
import { JOB_LOG_CHANNEL } from './log-batch.ts';

/**
 * Starts a waiting job now instead of at its `run_at`: a delayed job, or one waiting out its
 * retry backoff. The job keeps its log row, attempts, priority and job key; it is then due like
 * any other job, so its tenant's cap, pause, status and rate limit still decide when it starts
 * (a tenant job keeps its place in its lane's order, migrations/0044). Only a pending job can be
 * moved: a running or finished one is 409. A tenant key may not move its tenant's system work
 * (the tasks it may not retry either). Run on a job already due, it changes nothing a user can
 * see, except that a central job is due from now (behind the central jobs due before it).
 */
export async function runJobNow(db: Db, id: string, scope: JobScope = {}): Promise<{ runAt: Date }> {
  return db.transaction().execute(async (trx) => {
    const log = await lockLog(trx, id, scope);
    if (log.status !== 'pending') {
      throw new AppError('conflict', `job log ${id} is ${log.status}; only a pending job can be run now`);
    }
    if (scope.notTasks?.includes(log.task)) {
      throw new AppError(
        'forbidden',
        `job log ${id} is system work (${log.task}): only an admin may run it now`,
      );
    }
    const { rows } =
      log.tenant_id !== null
        ? await sql<{ place: string }>`SELECT tenantry.run_job_now(${id}::bigint) AS place`.execute(trx)
        : // graphile-worker's own function, which leaves alone a job a worker holds.
          await sql<{ place: string }>`
            SELECT 'waiting' AS place
            FROM graphile_worker.reschedule_jobs(ARRAY[${log.job_id}]::bigint[], run_at => now())`.execute(
            trx,
          );
    // In no lane (or held by a worker): it started since its log was read as pending.
    if ((rows[0]?.place ?? 'none') === 'none') {
      throw new AppError('conflict', `job log ${id} has started; only a pending job can be run now`);
    }
    const updated = await trx
      .updateTable('tenantry.job_logs')
      .set({ run_at: sql<Date>`least(run_at, now())` })
      .where('id', '=', id)
      .returning('run_at')
      .executeTakeFirstOrThrow();
    await sql`SELECT pg_notify(${JOB_LOG_CHANNEL}, ${id})`.execute(trx);
    return { runAt: updated.run_at };
  });
}
