import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.ts';
import type { JobStatus } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { CANCEL_CHANNEL } from './cancellation.ts';
import { JOB_LOG_CHANNEL } from './log-batch.ts';

/** Restricts an operation to one tenant's jobs; another tenant's job is "not found". */
export interface JobScope {
  tenantId?: string;
}

const TERMINAL: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

async function lockLog(trx: DbOrTrx, id: string, scope: JobScope) {
  if (!/^\d{1,18}$/.test(id)) throw notFound(`job log ${id}`);
  let query = trx
    .selectFrom('tenantry.job_logs')
    .select(['id', 'status', 'job_id', 'tenant_id', 'task', 'lane', 'queue', 'payload', 'max_attempts'])
    .where('id', '=', id)
    .forUpdate();
  if (scope.tenantId !== undefined) query = query.where('tenant_id', '=', scope.tenantId);
  const log = await query.executeTakeFirst();
  if (!log) throw notFound(`job log ${id}`);
  return log;
}

/**
 * Cancels a job. A pending job is removed from the queue in the same transaction, so it never
 * starts; if a worker has already locked it, it is running: the request is recorded and
 * broadcast, the worker running it aborts its signal and ends the log `cancelled`.
 */
export async function cancelJob(
  db: Db,
  id: string,
  scope: JobScope = {},
): Promise<{ status: 'cancelled' | 'cancelling' }> {
  return db.transaction().execute(async (trx) => {
    const log = await lockLog(trx, id, scope);
    if (TERMINAL.includes(log.status))
      throw new AppError('conflict', `job log ${id} is already ${log.status}`);
    // complete_jobs deletes the job only if no live worker holds it.
    const removed = log.job_id
      ? (
          await sql<{
            id: string;
          }>`SELECT id FROM graphile_worker.complete_jobs(ARRAY[${log.job_id}]::bigint[])`.execute(trx)
        ).rows.length > 0
      : false;
    const held =
      !removed &&
      log.job_id !== null &&
      (await sql`SELECT 1 FROM graphile_worker.jobs WHERE id = ${log.job_id}`.execute(trx)).rows.length > 0;
    await trx
      .updateTable('tenantry.job_logs')
      .set(
        held
          ? { cancel_requested_at: sql<Date>`now()` }
          : { status: 'cancelled', finished_at: sql<Date>`now()`, cancel_requested_at: sql<Date>`now()` },
      )
      .where('id', '=', id)
      .execute();
    await sql`SELECT pg_notify(${held ? CANCEL_CHANNEL : JOB_LOG_CHANNEL}, ${id})`.execute(trx);
    return { status: held ? ('cancelling' as const) : ('cancelled' as const) };
  });
}

/**
 * Puts a failed or cancelled job back in the queue on the same log row, attempts reset. A
 * permanently failed graphile-worker job still exists and is rescheduled; a removed one
 * (cancelled) is added again with the same envelope.
 */
export async function retryJob(db: Db, id: string, scope: JobScope = {}): Promise<{ jobId: string }> {
  return db.transaction().execute(async (trx) => {
    const log = await lockLog(trx, id, scope);
    if (log.status !== 'failed' && log.status !== 'cancelled') {
      throw new AppError(
        'conflict',
        `job log ${id} is ${log.status}; only failed or cancelled jobs can be retried`,
      );
    }
    let jobId: string | undefined;
    if (log.job_id !== null) {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM graphile_worker.reschedule_jobs(ARRAY[${log.job_id}]::bigint[], run_at => now(), attempts => 0)`.execute(
        trx,
      );
      jobId = rows[0]?.id;
    }
    if (jobId === undefined) {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM graphile_worker.add_job(
          ${log.task},
          json_build_object('log', ${id}::bigint, 'tenant', ${log.tenant_id}::text, 'queue', ${log.queue}::text,
                            'payload', ${JSON.stringify(log.payload)}::jsonb),
          queue_name => ${log.lane},
          max_attempts => ${log.max_attempts},
          flags => CASE WHEN ${log.tenant_id}::text IS NULL THEN ARRAY['central', 'q:' || ${log.queue}::text]
                        ELSE ARRAY['t:' || ${log.tenant_id}::text, 'q:' || ${log.queue}::text] END)`.execute(
        trx,
      );
      jobId = rows[0]!.id;
    }
    await trx
      .updateTable('tenantry.job_logs')
      .set({
        status: 'pending',
        job_id: jobId,
        attempts: 0,
        progress: 0,
        step: null,
        started_at: null,
        finished_at: null,
        duration_ms: null,
        cancel_requested_at: null,
        run_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .execute();
    await sql`SELECT pg_notify(${JOB_LOG_CHANNEL}, ${id})`.execute(trx);
    return { jobId: String(jobId) };
  });
}
