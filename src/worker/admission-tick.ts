import type pg from 'pg';
import { vacuumQueueTables } from '../db/graphile-private.ts';
import type { Logger } from '../logger.ts';

export interface AdmissionTickOptions {
  pool: pg.Pool;
  logger: Logger;
  /** This worker's admission slots now (src/worker/admission-depth.ts). */
  slots: () => number;
  tickMs: number;
  reconcileMs: number;
  /** QUEUE_UPKEEP_MS: at most how often the cluster vacuums the queue tables (0: never). */
  upkeepMs: number;
  /** Runs the upkeep vacuum: not the job-log writer's pool, whose outcome batches must not wait. */
  upkeepPool: pg.Pool;
}

/**
 * Dead rows the queue tables must hold before an upkeep vacuum: a quiet cluster never vacuums,
 * a busy one (thousands of dead rows a second) every QUEUE_UPKEEP_MS.
 */
export const UPKEEP_MIN_DEAD_ROWS = 1000;

/**
 * The scheduler's timer in each worker: an admission pass every SCHEDULER_TICK_MS (delayed
 * jobs coming due, rate-limit windows refilling, slots freed by jobs finished elsewhere), and
 * a reconcile every RECONCILE_INTERVAL_MS that finishes admitted jobs whose outcome was never
 * recorded and repairs the lanes' counts, reporting what it found. Dispatch and recorded
 * outcomes admit at once; this catches what they cannot. Errors are logged and the next tick
 * tries again (the database may be away: the worker rides that out elsewhere). The same
 * statement asks whether this worker should vacuum the queue tables now (migrations/0016):
 * at most one worker of the cluster does, once per QUEUE_UPKEEP_MS, when they hold dead rows.
 * It also moves the scheduler's clock (migrations/0020), the virtual time a lane starts from
 * when it becomes busy while no other lane is. With the reconcile it checks that every lane's
 * due time covers its waiting jobs (migrations/0023) and repairs any that does not, and fails
 * laned jobs graphile-worker failed for good without their outcome written (migrations/0026).
 */
export class AdmissionTick {
  private timer: NodeJS.Timeout | undefined;
  /** An extra pass for the moment a rate-limited lane gets room back, ahead of the next tick. */
  private refill: NodeJS.Timeout | undefined;
  private running = false;
  private lastReconcile = Date.now();
  private lastWarning = 0;
  private readonly options: AdmissionTickOptions;

  constructor(options: AdmissionTickOptions) {
    this.options = options;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.refill);
    this.timer = undefined;
    this.refill = undefined;
  }

  /** Runs a pass when the next rate window frees room, when that comes before the next tick. */
  private planRefill(inMs: number | null): void {
    if (inMs === null || inMs >= this.options.tickMs || this.refill || !this.timer) return;
    this.refill = setTimeout(() => {
      this.refill = undefined;
      void this.tick();
    }, inMs + 1);
    this.refill.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { pool, logger, slots, reconcileMs, upkeepMs, upkeepPool } = this.options;
    try {
      // admit(), not try_admit(): an admission that keeps failing must show in this log.
      const { rows: pass } = await pool.query<{ refill_in: string | null; upkeep: boolean }>({
        name: 'tenantry_admission_tick',
        text: 'SELECT tenantry.admit($1), tenantry.rate_refill_in() AS refill_in, tenantry.claim_upkeep($2, $3) AS upkeep, tenantry.advance_vclock()',
        values: [slots(), upkeepMs, UPKEEP_MIN_DEAD_ROWS],
      });
      this.planRefill(pass[0]?.refill_in == null ? null : Number(pass[0].refill_in));
      if (pass[0]?.upkeep) await vacuumQueueTables(upkeepPool);
      if (Date.now() - this.lastReconcile >= reconcileMs) {
        this.lastReconcile = Date.now();
        const { rows } = await pool.query<{
          lane: string;
          recorded: number;
          actual: number;
          vanished: number;
        }>('SELECT * FROM tenantry.reconcile_lanes(true)');
        // Vanished jobs are mostly successes whose outcome is still on its way; a count that
        // disagrees with the admitted rows is drift.
        const drift = rows.filter((r) => r.recorded !== r.actual + r.vanished);
        if (drift.length > 0) logger.warn({ drift }, 'lane accounting was off; repaired');
        else if (rows.length > 0)
          logger.debug({ vanished: rows }, 'finished admitted jobs without a recorded outcome');
        // A lane whose due time does not cover its waiting jobs would never be picked again.
        const { rows: stranded } = await pool.query<{ lane: string; due: Date | null; earliest: Date }>(
          'SELECT * FROM tenantry.repair_lane_due()',
        );
        if (stranded.length > 0)
          logger.warn({ stranded }, 'lanes had waiting jobs past their due time; repaired');
        // A laned job graphile-worker failed for good holds its lane's slot with its log open.
        const { rows: abandoned } = await pool.query<{ log_id: string; lane: string; last_error: string }>(
          'SELECT * FROM tenantry.fail_abandoned_laned()',
        );
        if (abandoned.length > 0)
          logger.warn({ abandoned }, 'laned jobs graphile-worker had failed for good were left open; failed');
        // A central job a shutdown stopped: its attempt, counted by graphile-worker, given back.
        const { rows: revived } = await pool.query<{ log_id: string; job_id: string; attempts: number }>(
          'SELECT * FROM tenantry.revive_shutdown_central_jobs()',
        );
        if (revived.length > 0) logger.info({ revived }, 'central jobs a shutdown stopped run again');
      }
    } catch (err) {
      // At most one warning a minute: an outage makes every tick fail.
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        logger.warn({ err }, 'admission pass failed; the next tick retries');
      }
    } finally {
      this.running = false;
    }
  }
}
