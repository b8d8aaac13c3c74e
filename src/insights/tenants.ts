import { sql } from 'kysely';
import type { CacheStore } from '../cache/contract.ts';
import { scopeStats } from '../cache/stats.ts';
import type { Db } from '../db/database.ts';
import type { TenantStatus } from '../db/schema.ts';
import { BACKUP_STALE_AFTER_MS } from '../lifecycle/health.ts';

export interface TenantOverviewRow {
  id: string;
  name: string;
  plan: string;
  status: TenantStatus;
  status_reason: string | null;
  owner: string | null;
  limits: { concurrency: number; plan_tenants_per_owner: number | null };
  key_count: number;
  cache_entries: number | null;
  newest_backup_at: string | null;
  backup_warning: string | null;
  last_maintenance_at: string | null;
  failed_last_24h: number;
  created_at: string;
}

/**
 * One page of tenants (id order, after `afterId`) with what the tenants page shows about each:
 * live keys, cache entries, newest backup (and a warning past 48 hours or without one), last
 * maintenance and permanent failures over 24 hours. Each figure is read over an index by tenant.
 */
export async function tenantOverview(
  deps: { db: Db; cacheStore?: CacheStore | undefined; planLimits: Record<string, number> },
  options: { limit: number; afterId?: string | undefined; status?: TenantStatus | undefined },
  now = new Date(),
): Promise<TenantOverviewRow[]> {
  const { db } = deps;
  const { rows } = await sql<{
    id: string;
    name: string;
    plan: string;
    status: TenantStatus;
    status_reason: string | null;
    owner: string | null;
    concurrency: number;
    created_at: Date;
    key_count: number;
    newest_backup_at: Date | null;
    last_maintenance_at: Date | null;
    failed_last_24h: number;
  }>`
    SELECT t.id, t.name, t.plan, t.status, t.status_reason, t.owner, t.created_at,
      (SELECT s.cap FROM tenantry.tenant_scheduling s WHERE s.tenant_id = t.id) AS concurrency,
      (SELECT count(*)::int FROM tenantry.api_keys k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL) AS key_count,
      (SELECT b.created_at FROM tenantry.backups b WHERE b.tenant_id = t.id
        ORDER BY b.created_at DESC, b.id DESC LIMIT 1) AS newest_backup_at,
      (SELECT e.created_at FROM tenantry.tenant_events e WHERE e.tenant_id = t.id AND e.type = 'maintenance'
        ORDER BY e.created_at DESC LIMIT 1) AS last_maintenance_at,
      (SELECT count(*)::int FROM tenantry.job_logs l
        WHERE l.tenant_id = t.id AND l.created_at >= ${now}::timestamptz - interval '48 hours'
          AND l.status = 'failed' AND l.finished_at >= ${now}::timestamptz - interval '24 hours') AS failed_last_24h
    FROM tenantry.tenants t
    WHERE (${options.afterId ?? null}::text IS NULL OR t.id > ${options.afterId ?? null}::text)
      AND (${options.status ?? null}::text IS NULL OR t.status = ${options.status ?? null}::text)
    ORDER BY t.id LIMIT ${options.limit}`.execute(db);
  const cache = await Promise.all(
    rows.map((r) =>
      deps.cacheStore
        ? scopeStats(deps.cacheStore, r.id).then(
            (s) => s.entries,
            () => null,
          )
        : null,
    ),
  );
  return rows.map((r, i) => {
    const backupAge = r.newest_backup_at ? now.getTime() - r.newest_backup_at.getTime() : undefined;
    return {
      id: r.id,
      name: r.name,
      plan: r.plan,
      status: r.status,
      status_reason: r.status_reason,
      owner: r.owner,
      limits: { concurrency: r.concurrency, plan_tenants_per_owner: deps.planLimits[r.plan] ?? null },
      key_count: r.key_count,
      cache_entries: cache[i] ?? null,
      newest_backup_at: r.newest_backup_at?.toISOString() ?? null,
      backup_warning:
        backupAge === undefined
          ? 'no backup'
          : backupAge > BACKUP_STALE_AFTER_MS
            ? 'newest backup is older than 48 hours'
            : null,
      last_maintenance_at: r.last_maintenance_at?.toISOString() ?? null,
      failed_last_24h: r.failed_last_24h,
      created_at: r.created_at.toISOString(),
    };
  });
}

export interface FailingTenant {
  tenant: string;
  failed: number;
  total: number;
}

/** Tenants with the most permanent failures over the last 24 hours, at most `limit`. */
export async function mostFailures(db: Db, limit: number, now = new Date()): Promise<FailingTenant[]> {
  const { rows } = await sql<FailingTenant>`
    SELECT tenant_id AS tenant,
      count(*) FILTER (WHERE status = 'failed')::int AS failed,
      count(*)::int AS total
    FROM tenantry.job_logs
    WHERE tenant_id IS NOT NULL AND created_at >= ${now}::timestamptz - interval '48 hours'
      AND finished_at >= ${now}::timestamptz - interval '24 hours'
    GROUP BY tenant_id
    HAVING count(*) FILTER (WHERE status = 'failed') > 0
    ORDER BY failed DESC, tenant_id
    LIMIT ${limit}`.execute(db);
  return rows;
}
