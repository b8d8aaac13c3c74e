import { sql } from 'kysely';
import type { CacheStore } from '../cache/contract.ts';
import { scopeStats } from '../cache/stats.ts';
import type { FileLimits } from '../config.ts';
import type { Db } from '../db/database.ts';
import { findTenant, type Tenant } from '../db/tenants.ts';
import { notFound } from '../errors.ts';
import { fileUsage } from '../files/repository.ts';
import { getTenantLimits, type TenantLimits } from '../jobs/tenant-limits.ts';
import { tenantSchema } from '../tenancy.ts';
import { type BackupStats, backupStats } from './backup/index.ts';
import { backupDb } from './backup/types.ts';

/** A tenant whose newest backup is older than this (or that has none) gets a warning. */
export const BACKUP_STALE_AFTER_MS = 48 * 60 * 60 * 1000;

export interface TenantHealth {
  tenant: Tenant;
  schemaBytes: number | null;
  backups: BackupStats;
  lastMaintenance: { at: Date; data: Record<string, unknown> } | null;
  /** Pending (of which `scheduled` are to run later) and running, its central jobs included. */
  queueDepth: { pending: number; running: number; scheduled: number };
  /** The scheduler's settings for the tenant: effective limits and pauses. */
  limits: TenantLimits;
  failedLast24h: number;
  cacheEntries: number | null;
  /** Its stored files; null when its schema has none (missing, or not migrated). */
  files: { count: number; bytes: number } | null;
  warnings: string[];
}

/** Past this share of a file quota, health warns: the next uploads will be refused soon. */
const FILE_QUOTA_WARNING = 0.9;

async function schemaBytes(db: Db, schema: string): Promise<number | null> {
  const { rows } = await sql<{ bytes: string | null; found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS found,
           (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p', 'm')) AS bytes`.execute(db);
  return rows[0]?.found ? Number(rows[0].bytes ?? 0) : null;
}

/**
 * Everything an operator checks first about one tenant, in one call. Jobs count when they
 * run for the tenant or are central lifecycle jobs about it (backups, restores: source tenant).
 */
export async function tenantHealth(
  db: Db,
  id: string,
  sources: { cache?: CacheStore | undefined; backupDir?: string | undefined; fileLimits?: FileLimits } = {},
  now = new Date(),
): Promise<TenantHealth> {
  const { cache, backupDir, fileLimits } = sources;
  const tenant = await findTenant(db, id);
  if (!tenant) throw notFound(`tenant ${id}`);
  const [bytes, backups, maintenance, jobs, limits, cacheFigures, files] = await Promise.all([
    schemaBytes(db, tenantSchema(id)),
    backupStats({ db, backupDir }, id),
    backupDb(db)
      .selectFrom('tenantry.tenant_events')
      .select(['created_at', 'data'])
      .where('tenant_id', '=', id)
      .where('type', '=', 'maintenance')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
    sql<{ pending: string; running: string; scheduled: string; failed: string }>`
      SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
             count(*) FILTER (WHERE status = 'pending' AND run_at > now()) AS scheduled,
             count(*) FILTER (WHERE status = 'running') AS running,
             count(*) FILTER (WHERE status = 'failed' AND finished_at > now() - interval '24 hours') AS failed
      FROM tenantry.job_logs
      WHERE (tenant_id = ${id} OR (tenant_id IS NULL AND source_type = 'tenant' AND source_id = ${id}))
        AND (status IN ('pending', 'running') OR finished_at > now() - interval '24 hours')`.execute(db),
    getTenantLimits(db, id),
    // The cache store is not the tenant's health: a store that cannot answer is a warning.
    cache ? scopeStats(cache, id).catch(() => 'unreachable' as const) : undefined,
    fileUsage(db, id).then(
      (usage) => ({ count: usage.files, bytes: usage.bytes }),
      () => null,
    ),
  ]);
  const counts = jobs.rows[0]!;
  const warnings: string[] = [];
  if (tenant.status !== 'active') warnings.push(`tenant is ${tenant.status}`);
  if (limits.paused) warnings.push('tenant is paused: none of its jobs start');
  for (const queue of limits.pausedQueues) warnings.push(`queue ${queue} is paused`);
  if (bytes === null) warnings.push(`schema ${tenantSchema(id)} is missing`);
  if (cacheFigures === 'unreachable') warnings.push('the cache store did not answer');
  if (backups.missing > 0) {
    warnings.push(
      `${backups.missing} recorded backup${backups.missing === 1 ? "'s file is" : "s' files are"} missing from BACKUP_DIR`,
    );
  }
  if (files && fileLimits) {
    if (files.bytes >= fileLimits.maxBytes * FILE_QUOTA_WARNING)
      warnings.push(`files take ${files.bytes} of FILE_MAX_BYTES_PER_TENANT ${fileLimits.maxBytes} bytes`);
    if (files.count >= fileLimits.maxFiles * FILE_QUOTA_WARNING)
      warnings.push(`${files.count} files of FILE_MAX_PER_TENANT ${fileLimits.maxFiles}`);
  }
  if (!backups.newest) warnings.push('no backup');
  else if (now.getTime() - backups.newest.createdAt.getTime() > BACKUP_STALE_AFTER_MS) {
    warnings.push('newest backup is older than 48 hours');
  }
  return {
    tenant,
    schemaBytes: bytes,
    backups,
    lastMaintenance: maintenance ? { at: maintenance.created_at, data: maintenance.data } : null,
    queueDepth: {
      pending: Number(counts.pending),
      running: Number(counts.running),
      scheduled: Number(counts.scheduled),
    },
    limits,
    failedLast24h: Number(counts.failed),
    cacheEntries: cacheFigures && cacheFigures !== 'unreachable' ? cacheFigures.entries : null,
    files,
    warnings,
  };
}
