import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';

export interface FailureSummary {
  failed: number;
  by_task: { task: string; tenant: string | null; failed: number }[];
}

/**
 * Jobs that failed for good in the last hour. job_logs has no index on status or finished_at
 * (updates must stay HOT), so the scan is bounded by the created_at index: a job created more
 * than a week before its final failure is not counted.
 */
export async function recentFailures(db: DbOrTrx): Promise<FailureSummary> {
  const { rows } = await sql<{ task: string; tenant: string | null; failed: number }>`
    SELECT task, tenant_id AS tenant, count(*)::int AS failed
    FROM tenantry.job_logs
    WHERE created_at >= now() - interval '7 days'
      AND status = 'failed' AND finished_at >= now() - interval '1 hour'
    GROUP BY task, tenant_id ORDER BY failed DESC, task LIMIT 50`.execute(db);
  const { rows: total } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM tenantry.job_logs
    WHERE created_at >= now() - interval '7 days'
      AND status = 'failed' AND finished_at >= now() - interval '1 hour'`.execute(db);
  return { failed: total[0]?.n ?? 0, by_task: rows };
}

/**
 * Claims the right to fire alert `name` if it has not fired within the hour. The row lock
 * holds until the caller's transaction ends, so concurrent workers cannot both fire, and a
 * rolled-back (undelivered) alert may fire again on the next run.
 */
export async function claimAlert(trx: DbOrTrx, name: string): Promise<boolean> {
  const { rows } = await sql<{ name: string }>`
    INSERT INTO tenantry.alert_state (name, fired_at) VALUES (${name}, now())
    ON CONFLICT (name) DO UPDATE SET fired_at = now()
      WHERE alert_state.fired_at <= now() - interval '1 hour'
    RETURNING name`.execute(trx);
  return rows.length > 0;
}
