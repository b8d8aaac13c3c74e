import os from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { JobMetrics } from '../jobs/metrics.ts';
import type { WorkerFilter } from '../jobs/tenant-gate.ts';
import type { Logger } from '../logger.ts';
import { settleOrphanedLogs } from './orphans.ts';

export interface HeartbeatOptions {
  db: Db;
  logger: Logger;
  /** graphile-worker's pool id: the `locked_by` of every job this process runs. */
  workerId: string;
  concurrency: number;
  filter: WorkerFilter;
  metrics: JobMetrics;
  rescueAfterMs: number;
}

/**
 * Publishes this worker's liveness and counters, and releases the jobs of dead workers.
 * graphile-worker would leave a crashed worker's jobs locked for 4 hours; here a worker not
 * heard from for `rescueAfterMs` (or a lock held that long by a process that never
 * registered) is declared dead, its jobs unlocked and their logs set back to pending, so
 * they run again with one more attempt counted. Every live worker performs the check; it is
 * idempotent.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();

  private readonly options: HeartbeatOptions;

  constructor(options: HeartbeatOptions) {
    this.options = options;
  }

  get intervalMs(): number {
    return Math.max(100, Math.min(10_000, Math.floor(this.options.rescueAfterMs / 5)));
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating = this.beat().catch((err: unknown) =>
        this.options.logger.warn({ err }, 'heartbeat failed'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /**
   * `deregister: false` leaves this worker's row to expire, so a live worker declares it dead
   * and settles what it left (used when job-log changes could not be written at shutdown).
   */
  async stop(deregister = true): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    if (!deregister) return;
    await this.options.db.deleteFrom('tenantry.workers').where('id', '=', this.options.workerId).execute();
  }

  private async beat(): Promise<void> {
    const { db, workerId, concurrency, filter, metrics } = this.options;
    await db
      .insertInto('tenantry.workers')
      .values({
        id: workerId,
        hostname: os.hostname(),
        pid: process.pid,
        concurrency,
        tenants: filter.tenants?.length ? [...filter.tenants] : null,
        queues: filter.queues?.length ? [...filter.queues] : null,
        stats: JSON.stringify(metrics.snapshot()),
      })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({ last_seen_at: sql<Date>`now()`, stats: eb.ref('excluded.stats') })),
      )
      .execute();
    await rescueDeadWorkers(db, this.options.rescueAfterMs, this.options.logger);
  }
}

/** Releases jobs held by workers silent for `afterMs`; returns the ids of the workers declared dead. */
export async function rescueDeadWorkers(db: Db, afterMs: number, logger: Logger): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    WITH dead AS (
      DELETE FROM tenantry.workers
      WHERE last_seen_at < now() - make_interval(secs => ${afterMs / 1000})
      RETURNING id
    ), unregistered AS (
      SELECT DISTINCT j.locked_by AS id FROM graphile_worker._private_jobs j
      WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - make_interval(secs => ${afterMs / 1000})
        AND NOT EXISTS (SELECT 1 FROM tenantry.workers w WHERE w.id = j.locked_by)
    )
    SELECT id FROM dead UNION SELECT id FROM unregistered`.execute(db);
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return ids;
  const settled = await db.transaction().execute(async (trx) => {
    // On its last attempt a released job would never run again: that attempt failed.
    await sql`
      UPDATE tenantry.job_logs l SET
        status = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'pending' END,
        finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
        error_message = 'the worker running this job stopped responding; ' ||
          CASE WHEN j.attempts >= j.max_attempts THEN 'it was the last attempt' ELSE 'released for retry' END
      FROM graphile_worker._private_jobs j
      WHERE j.locked_by = ANY(${ids}::text[]) AND l.job_id = j.id AND l.status IN ('pending', 'running')`.execute(
      trx,
    );
    await sql`SELECT graphile_worker.force_unlock_workers(${ids}::text[])`.execute(trx);
    return settleOrphanedLogs(trx);
  });
  logger.warn({ workers: ids, settledJobLogs: settled.length }, 'released the jobs of unresponsive workers');
  return ids;
}
