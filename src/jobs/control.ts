import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.ts';
import type { JobStatus } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { CANCEL_CHANNEL } from './cancellation.ts';
import { JOB_LOG_CHANNEL } from './log-batch.ts';

/** Restricts an operation to one tenant's jobs; another tenant's job is "not found". */
export interface JobScope {
  tenantId?: string;
  /** For a retry: tasks whose jobs the caller may not run again (a tenant key: system and admin work). */
  notTasks?: readonly string[];
}

const TERMINAL: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** A job's log row, locked for this transaction; another tenant's (or a malformed id) is not found. */
export async function lockLog(trx: DbOrTrx, id: string, scope: JobScope) {
  if (!/^\d{1,18}$/.test(id)) throw notFound(`job log ${id}`);
  let query = trx
    .selectFrom('tenantry.job_logs')
    .select([
      'id',
      'status',
      'job_id',
      'tenant_id',
      'task',
      'lane',
      'queue',
      'payload',
      'max_attempts',
      'error_message',
    ])
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
    const place =
      log.tenant_id === null
        ? 'none'
        : (await sql<{ place: string }>`SELECT tenantry.withdraw_job(${id}::bigint) AS place`.execute(trx))
            .rows[0]!.place;
    const held = place === 'none' ? await removeCentral(trx, log.job_id) : place === 'running';
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

/** A job outside the lanes: complete_jobs deletes it only if no live worker holds it. */
async function removeCentral(trx: DbOrTrx, jobId: string | null): Promise<boolean> {
  if (jobId === null) return false;
  const { rows } = await sql`SELECT id FROM graphile_worker.complete_jobs(ARRAY[${jobId}]::bigint[])`.execute(
    trx,
  );
  if (rows.length > 0) return false;
  return (await sql`SELECT 1 FROM graphile_worker.jobs WHERE id = ${jobId}`.execute(trx)).rows.length > 0;
}

/**
 * What a job replaced through its job_key leaves in the log it cancelled (the dispatch
 * statements of migrations/0021 and insertCentralJobs write it): such a job is not retried, the
 * one that replaced it carries the work. Matched in SQL by SUPERSEDED_LIKE.
 */
const SUPERSEDED = /^superseded by job log (\d{1,18})$/;

/**
 * The job log that replaced this cancelled one, if one did. The message alone proves nothing (a
 * handler's own error, kept when its job was then cancelled, can read the same), so the named
 * log must also be newer, of the same tenant, and written no later than this one was cancelled:
 * the dispatch that replaces a job writes both in one statement or transaction. Not of the same
 * task: a job key replaces whatever job held it (a retry of a job another task replaced ran both).
 */
async function supersededBy(
  trx: DbOrTrx,
  log: { id: string; error_message: string | null },
): Promise<string | undefined> {
  const by = SUPERSEDED.exec(log.error_message ?? '')?.[1];
  if (by === undefined) return undefined;
  // Compared in SQL: the times carry microseconds a JavaScript Date would drop.
  const { rows } = await sql`
    SELECT 1 FROM tenantry.job_logs l JOIN tenantry.job_logs n ON n.id = ${by}::bigint
    WHERE l.id = ${log.id}::bigint AND n.id > l.id AND n.tenant_id IS NOT DISTINCT FROM l.tenant_id
      AND n.created_at <= l.finished_at`.execute(trx);
  return rows.length > 0 ? by : undefined;
}

/** The same test in SQL, for the bulk retry's selection (job_logs as `l`): true when replaced. */
export const SUPERSEDED_SQL = sql<boolean>`(l.status = 'cancelled' AND EXISTS (
  SELECT 1 FROM tenantry.job_logs n
  WHERE n.id = substring(l.error_message from '^superseded by job log ([0-9]{1,18})$')::bigint
    AND n.id > l.id AND n.tenant_id IS NOT DISTINCT FROM l.tenant_id
    AND n.created_at <= l.finished_at))`;

/**
 * Puts a failed or cancelled job back in the queue on the same log row, attempts reset. A
 * permanently failed graphile-worker job still exists and is rescheduled; a removed one
 * (cancelled) is added again with the same envelope. A job its job_key replaced is refused.
 */
export async function retryJob(db: Db, id: string, scope: JobScope = {}): Promise<{ jobId: string | null }> {
  return db.transaction().execute(async (trx) => {
    const log = await lockLog(trx, id, scope);
    if (log.status !== 'failed' && log.status !== 'cancelled') {
      throw new AppError(
        'conflict',
        `job log ${id} is ${log.status}; only failed or cancelled jobs can be retried`,
      );
    }
    if (scope.notTasks?.includes(log.task)) {
      throw new AppError(
        'forbidden',
        `job log ${id} is system work (${log.task}): only an admin may retry it`,
      );
    }
    const by = log.status === 'cancelled' ? await supersededBy(trx, log) : undefined;
    if (by !== undefined) {
      throw new AppError(
        'conflict',
        `job log ${id} was replaced by job log ${by} (the same job_key); that one carries its work`,
        { superseded_by: by },
      );
    }
    const reset = {
      status: 'pending' as const,
      attempts: 0,
      progress: 0,
      step: null,
      started_at: null,
      finished_at: null,
      duration_ms: null,
      cancel_requested_at: null,
      run_at: sql<Date>`now()`,
    };
    // An earlier graphile-worker job of this log (a central job's, failed for good) is run again.
    const rescheduled =
      log.job_id === null
        ? undefined
        : (
            await sql<{ id: string }>`
              SELECT id FROM graphile_worker.reschedule_jobs(ARRAY[${log.job_id}]::bigint[], run_at => now(), attempts => 0)`.execute(
              trx,
            )
          ).rows[0]?.id;
    if (rescheduled === undefined && log.tenant_id !== null) {
      // A tenant job waits in its lane again; admission gives it a new graphile-worker job.
      await trx
        .updateTable('tenantry.job_logs')
        .set({ ...reset, job_id: null })
        .where('id', '=', id)
        .execute();
      await sql`SELECT tenantry.requeue_log(${id}::bigint)`.execute(trx);
      await sql`SELECT pg_notify(${JOB_LOG_CHANNEL}, ${id})`.execute(trx);
      return { jobId: null };
    }
    let jobId = rescheduled;
    if (jobId === undefined) {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM graphile_worker.add_job(
          ${log.task},
          json_build_object('log', ${id}::bigint, 'tenant', NULL, 'queue', ${log.queue}::text,
                            'payload', ${JSON.stringify(log.payload)}::jsonb),
          queue_name => ${log.lane},
          max_attempts => ${log.max_attempts},
          flags => ARRAY['central', 'q:' || ${log.queue}::text])`.execute(trx);
      jobId = rows[0]!.id;
    }
    await trx
      .updateTable('tenantry.job_logs')
      .set({ ...reset, job_id: jobId })
      .where('id', '=', id)
      .execute();
    await sql`SELECT pg_notify(${JOB_LOG_CHANNEL}, ${id})`.execute(trx);
    return { jobId: String(jobId) };
  });
}
