import os from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { JobMetrics } from '../jobs/metrics.ts';
import type { WorkerFilter } from '../jobs/tenant-gate.ts';
import type { Logger } from '../logger.ts';
import { settleOrphanedLogs } from './orphans.ts';
import { releasePoolJobs } from './release.ts';

export interface HeartbeatOptions {
  db: Db;
  logger: Logger;
  /** graphile-worker's pool id: the `locked_by` of every job this process runs. */
  workerId: string;
  concurrency: number;
  /** How many jobs admission keeps queued for this worker now (src/worker/admission-depth.ts). */
  admissionSlots?: () => number;
  filter: WorkerFilter;
  metrics: JobMetrics;
  rescueAfterMs: number;
  /** Whether the job loop is making progress; the heartbeat is written only while it is. */
  healthy: () => boolean;
}

/** How often a healthy worker refreshes its row: five times per rescue window, 0.1–10 s. */
export function heartbeatIntervalMs(rescueAfterMs: number): number {
  return Math.max(100, Math.min(10_000, Math.floor(rescueAfterMs / 5)));
}

/**
 * Publishes this worker's liveness and counters, and releases the jobs of dead workers.
 * Liveness means progress: the row is refreshed only while the job loop is healthy (see
 * LoopHealth), so a worker whose loop died or hung goes silent and is rescued like a dead one.
 * A worker judges others only after it has itself been heard continuously for `rescueAfterMs`:
 * after a database outage every row is old, and a worker that was cut off like the others must
 * not declare them dead the moment the server answers again.
 * graphile-worker would leave a crashed worker's jobs locked for 4 hours; here a worker not
 * heard from for `rescueAfterMs` (or a lock held that long by a process that never
 * registered) is declared dead, its jobs unlocked and their logs set back to pending, so
 * they run again with one more attempt counted. Every live worker performs the check; it is
 * idempotent.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  /** Since when this worker's own heartbeat has been written without a gap. */
  private heardSince: number | undefined;

  private readonly options: HeartbeatOptions;

  constructor(options: HeartbeatOptions) {
    this.options = options;
  }

  get intervalMs(): number {
    return heartbeatIntervalMs(this.options.rescueAfterMs);
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating = this.beat().catch((err: unknown) => {
        this.heardSince = undefined;
        this.options.logger.warn({ err }, 'heartbeat failed');
      });
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

  /**
   * Publishes this worker's admission slots at once, between beats (admission passes sum the
   * live workers' slots); the next beat writes them anyway.
   */
  async publishSlots(): Promise<void> {
    const slots = this.options.admissionSlots?.();
    if (slots === undefined) return;
    await this.options.db
      .updateTable('tenantry.workers')
      .set({ admission_slots: slots })
      .where('id', '=', this.options.workerId)
      .execute();
  }

  private async beat(): Promise<void> {
    const { db, workerId, concurrency, filter, metrics } = this.options;
    if (!this.options.healthy()) {
      this.heardSince = undefined;
      return;
    }
    await db
      .insertInto('tenantry.workers')
      .values({
        id: workerId,
        hostname: os.hostname(),
        pid: process.pid,
        concurrency,
        admission_slots: this.options.admissionSlots?.() ?? concurrency,
        tenants: filter.tenants?.length ? [...filter.tenants] : null,
        queues: filter.queues?.length ? [...filter.queues] : null,
        stats: JSON.stringify(metrics.snapshot()),
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          last_seen_at: sql<Date>`now()`,
          stats: eb.ref('excluded.stats'),
          admission_slots: eb.ref('excluded.admission_slots'),
        })),
      )
      .execute();
    this.heardSince ??= Date.now();
    if (Date.now() - this.heardSince >= this.options.rescueAfterMs) {
      await rescueDeadWorkers(db, this.options.rescueAfterMs, this.options.logger);
    }
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
      SELECT DISTINCT j.locked_by AS id FROM graphile_worker.jobs j
      WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - make_interval(secs => ${afterMs / 1000})
        AND NOT EXISTS (SELECT 1 FROM tenantry.workers w WHERE w.id = j.locked_by)
    )
    SELECT id FROM dead UNION SELECT id FROM unregistered`.execute(db);
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return ids;
  const settled = await db.transaction().execute(async (trx) => {
    const released = await releasePoolJobs(trx, ids);
    return { ...released, orphans: await settleOrphanedLogs(trx) };
  });
  logger.warn(
    { workers: ids, ...settled, orphans: settled.orphans.length },
    'released the jobs of unresponsive workers',
  );
  return ids;
}
