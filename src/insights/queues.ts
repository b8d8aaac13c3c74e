import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import { parseLane } from '../jobs/lanes.ts';
import { queueStats } from '../jobs/queue-stats.ts';
import { type LaneSchedulerFigures, laneSchedulerFigures } from './queue-scheduler-placeholders.ts';

export interface QueueRow extends LaneSchedulerFigures {
  tenant: string | null;
  queue: string;
  /** graphile-worker queues (lanes) the logical queue is spread over. */
  lanes: number;
  /** Waiting and due now. */
  ready: number;
  /** Waiting for a later run_at (delayed, or backing off before a retry). */
  scheduled: number;
  running: number;
  /** Permanently failed and still in the queue (the dead letter). */
  failed: number;
  /** run_at of the oldest job waiting and due: how long the queue has been behind. */
  oldest_ready_at: string | null;
  /** The tenant's status: a suspended or inactive tenant's jobs wait. Null for central queues. */
  tenant_status: string | null;
}

/**
 * Every logical queue with its depth, as `tenantry jobs monitor` shows it (src/jobs/queue-stats.ts),
 * plus the age of its oldest ready job and the tenant's status. `tenantId` keeps one tenant's.
 */
export async function queueRows(db: DbOrTrx, tenantId?: string): Promise<QueueRow[]> {
  const [stats, oldest, tenants] = await Promise.all([
    queueStats(db),
    sql<{ queue_name: string | null; oldest: Date | null }>`
      SELECT queue_name, min(run_at) AS oldest FROM graphile_worker.jobs
      WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now()
      GROUP BY queue_name`.execute(db),
    db.selectFrom('tenantry.tenants').select(['id', 'status']).execute(),
  ]);
  const oldestByQueue = new Map<string, Date>();
  for (const row of oldest.rows) {
    if (!row.oldest) continue;
    const { tenantId: tenant, queue } = parseLane(row.queue_name);
    const key = `${tenant ?? ''}\u0000${queue}`;
    const seen = oldestByQueue.get(key);
    if (!seen || row.oldest < seen) oldestByQueue.set(key, row.oldest);
  }
  const statusOf = new Map(tenants.map((t) => [t.id, t.status]));
  return stats
    .filter((s) => tenantId === undefined || s.tenant === tenantId)
    .map((s) => ({
      ...s,
      oldest_ready_at: oldestByQueue.get(`${s.tenant ?? ''}\u0000${s.queue}`)?.toISOString() ?? null,
      tenant_status: s.tenant === null ? null : (statusOf.get(s.tenant) ?? null),
      ...laneSchedulerFigures(s.tenant, s.queue),
    }));
}

export interface WaitingTenant {
  tenant: string;
  oldest_ready_at: string;
  ready: number;
}

/** Tenants whose oldest ready job has waited longest, at most `limit`. */
export function oldestWaiting(rows: QueueRow[], limit: number): WaitingTenant[] {
  const byTenant = new Map<string, WaitingTenant>();
  for (const row of rows) {
    if (row.tenant === null || row.oldest_ready_at === null) continue;
    const seen = byTenant.get(row.tenant);
    if (!seen)
      byTenant.set(row.tenant, {
        tenant: row.tenant,
        oldest_ready_at: row.oldest_ready_at,
        ready: row.ready,
      });
    else {
      seen.ready += row.ready;
      if (row.oldest_ready_at < seen.oldest_ready_at) seen.oldest_ready_at = row.oldest_ready_at;
    }
  }
  return [...byTenant.values()]
    .sort((a, b) => a.oldest_ready_at.localeCompare(b.oldest_ready_at) || a.tenant.localeCompare(b.tenant))
    .slice(0, limit);
}
