import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import { liveJobCounts } from '../jobs/queue-stats.ts';

export interface TaskStats {
  task: string;
  total: number;
  completed: number;
  failed: number;
  avg_duration_ms: number | null;
  p95_duration_ms: number | null;
}

export interface JobLogStats {
  since: string;
  by_status: Record<'pending' | 'running' | 'completed' | 'failed' | 'cancelled', number>;
  by_task: TaskStats[];
  /** Live: pending (of which `scheduled` wait for a later run_at) and running. */
  now: { pending: number; running: number; scheduled: number };
  by_tenant?: { tenant: string | null; total: number; completed: number; failed: number }[];
}

/**
 * Window figures come from job_logs over the created_at index. "Now" figures come from the
 * tables that hold only live jobs (the lanes' waiting jobs and graphile-worker's jobs), because
 * job_logs has (by design) no index on status.
 */
/**
 * The longest window the API reads stats over: three aggregates over every job log of the
 * window (one a percentile sort), for a tenant key on demand, grow with the history asked for.
 */
export const STATS_MAX_DAYS = 31;

export async function jobLogStats(db: DbOrTrx, since: Date, tenantId?: string): Promise<JobLogStats> {
  const tenant = tenantId ?? null;
  const window = sql`created_at >= ${since} AND (${tenant}::text IS NULL OR tenant_id = ${tenant}::text)`;
  const [statuses, tasks, live] = await Promise.all([
    sql<{ status: keyof JobLogStats['by_status']; n: number }>`
      SELECT status, count(*)::int AS n FROM tenantry.job_logs WHERE ${window} GROUP BY status`.execute(db),
    sql<TaskStats>`
      SELECT task, count(*)::int AS total,
        count(*) FILTER (WHERE status = 'completed')::int AS completed,
        count(*) FILTER (WHERE status = 'failed')::int AS failed,
        round(avg(duration_ms))::int AS avg_duration_ms,
        round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms))::int AS p95_duration_ms
      FROM tenantry.job_logs WHERE ${window} GROUP BY task ORDER BY total DESC, task`.execute(db),
    liveJobCounts(db, tenantId),
  ]);
  const by_status = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const row of statuses.rows) by_status[row.status] = row.n;
  const stats: JobLogStats = {
    since: since.toISOString(),
    by_status,
    by_task: tasks.rows,
    now: live,
  };
  if (tenantId === undefined) {
    const { rows } = await sql<{ tenant: string | null; total: number; completed: number; failed: number }>`
      SELECT tenant_id AS tenant, count(*)::int AS total,
        count(*) FILTER (WHERE status = 'completed')::int AS completed,
        count(*) FILTER (WHERE status = 'failed')::int AS failed
      FROM tenantry.job_logs WHERE ${window} GROUP BY tenant_id ORDER BY total DESC, tenant_id`.execute(db);
    stats.by_tenant = rows;
  }
  return stats;
}
