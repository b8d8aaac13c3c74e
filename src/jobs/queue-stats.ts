import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.ts';
import { DEFAULT_QUEUE } from './lanes.ts';

/** One tenant lane (`tenant_<id>_<queue>`) or central queue, as `tenantry jobs monitor` shows it. */
export interface QueueStats {
  tenant: string | null;
  queue: string;
  /** Waiting and due. */
  ready: number;
  /** Waiting for a later run_at (delayed, or backing off before a retry). */
  scheduled: number;
  /** Handed to graphile-worker, not yet taken by a worker (tenant lanes only; central: 0). */
  admitted: number;
  running: number;
  /** Permanently failed and still in graphile-worker: central jobs only, tenant jobs leave it. */
  failed: number;
  /** run_at of the oldest job waiting and due. */
  oldest_ready_at: Date | null;
  /** The lane's scheduler settings; null for central queues. */
  cap: number | null;
  weight: number | null;
  /** The tenant's rate limit (all its queues together); null for central queues. */
  rate_limit: number | null;
  rate_period_ms: number | null;
  /** The queue's own rate limit, on top of the tenant's (migrations/0024). */
  queue_rate_limit: number | null;
  queue_rate_period_ms: number | null;
  /** Nothing new of the lane starts: its tenant or this queue is paused. */
  paused: boolean | null;
  /** The whole tenant is paused (resuming the queue alone would not start it). */
  tenant_paused: boolean | null;
}

const isTenantJob = sql`EXISTS (SELECT 1 FROM jsonb_object_keys(g.flags) AS k WHERE starts_with(k, 't:'))`;

/**
 * Depth and settings of every tenant lane (of one tenant with `tenantId`), read from the fair
 * scheduler's tables: waiting jobs in lane_jobs, admitted and running ones in graphile-worker.
 * Central queues (admin view only) come from graphile-worker's jobs, which hold them whole.
 */
export async function queueStats(db: DbOrTrx, tenantId?: string): Promise<QueueStats[]> {
  const tenant = tenantId ?? null;
  // Waiting jobs are counted per lane over the lane's index; admitted ones are few (the admission
  // budget), so they are grouped once over the admitted-job index.
  const lanes = sql<QueueStats>`
    SELECT l.tenant_id AS tenant, l.queue, coalesce(w.ready, 0) AS ready, coalesce(w.scheduled, 0) AS scheduled,
           coalesce(a.admitted, 0) AS admitted, coalesce(a.running, 0) AS running, 0 AS failed,
           w.oldest_ready_at, l.cap, l.weight, l.rate_limit, l.rate_period_ms, l.queue_rate_limit,
           l.queue_rate_period_ms, l.paused,
           coalesce(tl.paused, false) AS tenant_paused
    FROM tenantry.lanes l
    LEFT JOIN tenantry.tenant_limits tl ON tl.tenant_id = l.tenant_id
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE j.run_at <= now())::int AS ready,
             count(*) FILTER (WHERE j.run_at > now())::int AS scheduled,
             min(j.run_at) FILTER (WHERE j.run_at <= now()) AS oldest_ready_at
      FROM tenantry.lane_jobs j WHERE j.lane = l.name AND j.job_id IS NULL
    ) w
    LEFT JOIN (
      SELECT j.lane, count(*) FILTER (WHERE g.locked_at IS NULL)::int AS admitted,
             count(*) FILTER (WHERE g.locked_at IS NOT NULL)::int AS running
      FROM tenantry.lane_jobs j JOIN graphile_worker.jobs g ON g.id = j.job_id
      WHERE j.job_id IS NOT NULL
      GROUP BY j.lane
    ) a ON a.lane = l.name
    WHERE ${tenant}::text IS NULL OR l.tenant_id = ${tenant}::text`.execute(db);
  const central =
    tenant === null
      ? sql<QueueStats>`
        SELECT NULL AS tenant, coalesce(g.queue_name, ${DEFAULT_QUEUE}::text) AS queue,
          count(*) FILTER (WHERE g.locked_at IS NULL AND g.attempts < g.max_attempts AND g.run_at <= now())::int AS ready,
          count(*) FILTER (WHERE g.locked_at IS NULL AND g.attempts < g.max_attempts AND g.run_at > now())::int AS scheduled,
          0 AS admitted,
          count(*) FILTER (WHERE g.locked_at IS NOT NULL)::int AS running,
          count(*) FILTER (WHERE g.locked_at IS NULL AND g.attempts >= g.max_attempts)::int AS failed,
          min(g.run_at) FILTER (WHERE g.locked_at IS NULL AND g.attempts < g.max_attempts AND g.run_at <= now())
            AS oldest_ready_at,
          NULL::int AS cap, NULL::real AS weight, NULL::int AS rate_limit, NULL::int AS rate_period_ms,
          NULL::int AS queue_rate_limit, NULL::int AS queue_rate_period_ms,
          NULL::boolean AS paused, NULL::boolean AS tenant_paused
        FROM graphile_worker.jobs g
        WHERE NOT ${isTenantJob}
        GROUP BY 2`.execute(db)
      : undefined;
  const [laneRows, centralRows] = await Promise.all([lanes, central]);
  return [...laneRows.rows, ...(centralRows?.rows ?? [])].sort(
    (a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? '') || a.queue.localeCompare(b.queue),
  );
}

/** Whether a row has anything to show: jobs in any state, or a pause. */
export const isBusy = (s: QueueStats) =>
  s.ready + s.scheduled + s.admitted + s.running + s.failed > 0 || s.paused === true;

/**
 * Jobs not finished, now: pending (waiting in a lane, or queued in graphile-worker and not
 * permanently failed) and running. With `tenantId`, that tenant's jobs only.
 */
export async function liveJobCounts(
  db: DbOrTrx,
  tenantId?: string,
): Promise<{ pending: number; running: number; scheduled: number }> {
  // `scheduled`: of the pending, those whose run_at is still ahead (delayed, or backing off).
  const { rows } =
    tenantId === undefined
      ? await sql<{ pending: number; running: number; scheduled: number }>`
          WITH waiting AS (
            SELECT count(*)::int AS n, count(*) FILTER (WHERE run_at > now())::int AS later
            FROM tenantry.lane_jobs WHERE job_id IS NULL
          )
          SELECT (SELECT n FROM waiting)
                 + count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts)::int AS pending,
                 count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS running,
                 (SELECT later FROM waiting)
                 + count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at > now())::int
                   AS scheduled
          FROM graphile_worker.jobs`.execute(db)
      : await sql<{ pending: number; running: number; scheduled: number }>`
          WITH own AS (SELECT name FROM tenantry.lanes WHERE tenant_id = ${tenantId}),
          waiting AS (
            SELECT count(*)::int AS n, count(*) FILTER (WHERE run_at > now())::int AS later
            FROM tenantry.lane_jobs WHERE job_id IS NULL AND lane IN (SELECT name FROM own)
          )
          SELECT (SELECT n FROM waiting) + count(*) FILTER (WHERE g.locked_at IS NULL)::int AS pending,
                 count(*) FILTER (WHERE g.locked_at IS NOT NULL)::int AS running,
                 (SELECT later FROM waiting)
                 + count(*) FILTER (WHERE g.locked_at IS NULL AND g.run_at > now())::int AS scheduled
          FROM tenantry.lane_jobs j JOIN graphile_worker.jobs g ON g.id = j.job_id
          WHERE j.job_id IS NOT NULL AND j.lane IN (SELECT name FROM own)`.execute(db);
  return rows[0] ?? { pending: 0, running: 0, scheduled: 0 };
}

/** A lane whose in-flight count disagreed with its admitted jobs (tenantry.reconcile_lanes()). */
export interface LaneDrift {
  lane: string;
  recorded: number;
  actual: number;
  /** Admitted jobs whose graphile-worker job is gone: their outcome was never recorded. */
  vanished: number;
}

/** Reports the lanes' accounting drift, and with `repair` sets it right in the same call. */
export async function reconcileLanes(db: DbOrTrx, repair: boolean): Promise<LaneDrift[]> {
  const { rows } = await sql<LaneDrift>`
    SELECT lane, recorded, actual, vanished FROM tenantry.reconcile_lanes(${repair})`.execute(db);
  return rows;
}

/** A lane whose due time did not cover its earliest waiting job (tenantry.repair_lane_due()). */
export interface StrandedLane {
  lane: string;
  /** The lane's due time as it was (null: no pass would pick it at all). */
  due: Date | null;
  earliest: Date;
}

class DryRun extends Error {}

/** Runs a check that repairs what it finds; without `repair` it runs and is rolled back. */
async function checkOrRepair<T>(
  db: Db,
  repair: boolean,
  check: (trx: DbOrTrx) => Promise<T[]>,
): Promise<T[]> {
  if (repair) return check(db);
  let found: T[] = [];
  await db
    .transaction()
    .execute(async (trx) => {
      found = await check(trx);
      throw new DryRun();
    })
    .catch((err: unknown) => {
      if (!(err instanceof DryRun)) throw err;
    });
  return found;
}

/**
 * Lanes with a waiting job their due time does not cover, which no admission pass would pick
 * again; with `repair` their due time is set in the same call. The check and the repair are one
 * function (migrations/0023), so a dry run performs it and rolls it back.
 */
export async function strandedLanes(db: Db, repair: boolean): Promise<StrandedLane[]> {
  return checkOrRepair(db, repair, async (trx) => {
    const { rows } =
      await sql<StrandedLane>`SELECT lane, due, earliest FROM tenantry.repair_lane_due()`.execute(trx);
    return rows;
  });
}

/** A laned job graphile-worker had failed for good while its log stayed open (tenantry.fail_abandoned_laned()). */
export interface AbandonedJob {
  /** The job log's id. */
  id: string;
  lane: string;
  error: string;
}

/**
 * Laned jobs graphile-worker failed for good without their outcome written (their log open,
 * their lane's slot held); with `repair` their logs are failed and their slots freed in the
 * same call (migrations/0026).
 */
export async function abandonedJobs(db: Db, repair: boolean): Promise<AbandonedJob[]> {
  return checkOrRepair(db, repair, async (trx) => {
    const { rows } = await sql<AbandonedJob>`
      SELECT log_id::text AS id, lane, last_error AS error FROM tenantry.fail_abandoned_laned()`.execute(trx);
    return rows;
  });
}

/**
 * Removes permanently failed jobs from graphile-worker; their job logs stay `failed` as history.
 * Only central jobs remain there after failing (a tenant job's last failure removes it), so
 * `tenantId` finds nothing unless jobs from before the fair scheduler are left.
 */
export async function flushFailedJobs(db: DbOrTrx, tenantId?: string): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM graphile_worker.complete_jobs(ARRAY(
      SELECT j.id FROM graphile_worker.jobs j
      LEFT JOIN tenantry.job_logs l ON l.job_id = j.id
      WHERE j.locked_at IS NULL AND j.attempts >= j.max_attempts
        AND (${tenantId ?? null}::text IS NULL OR l.tenant_id = ${tenantId ?? null}::text)
    ))`.execute(db);
  return rows.length;
}
