import type { DbOrTrx } from '../db/database.ts';
import { type QueueStats, queueStats } from '../jobs/queue-stats.ts';
import type { ShareView } from './admission-shares.ts';

export interface QueueRow extends Omit<QueueStats, 'oldest_ready_at'> {
  /** run_at of the oldest job waiting and due: how long the queue has been behind. */
  oldest_ready_at: string | null;
  /** The tenant's status: a suspended or inactive tenant's jobs wait. Null for central queues. */
  tenant_status: string | null;
  /** The lane's fraction (0-1) of the jobs admitted recently (admission-shares.ts); null without figures. */
  fair_share: number | null;
}

/**
 * Every tenant lane (one tenant's with `tenantId`) and, for the whole view, every central queue:
 * depth and scheduler settings as `tenantry jobs monitor` shows them (src/jobs/queue-stats.ts),
 * plus the tenant's status and, given `shares`, the lane's share of recent admissions: of all
 * of them, or with `sharesWithin` (a tenant caller) of that tenant's own.
 */
export async function queueRows(
  db: DbOrTrx,
  tenantId?: string,
  shares?: ShareView,
  sharesWithin?: string,
): Promise<QueueRow[]> {
  const [stats, tenants] = await Promise.all([
    queueStats(db, tenantId),
    db
      .selectFrom('tenantry.tenants')
      .select(['id', 'status'])
      .$if(tenantId !== undefined, (q) => q.where('id', '=', tenantId!))
      .execute(),
  ]);
  const statusOf = new Map(tenants.map((t) => [t.id, t.status]));
  return stats.map((s) => ({
    ...s,
    oldest_ready_at: s.oldest_ready_at?.toISOString() ?? null,
    tenant_status: s.tenant === null ? null : (statusOf.get(s.tenant) ?? null),
    fair_share:
      s.tenant === null || !shares ? null : shares.share(`tenant_${s.tenant}_${s.queue}`, sharesWithin),
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
