import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { findTenant } from '../db/tenants.ts';
import { invalid, notFound } from '../errors.ts';
import { tenantSchema } from '../tenancy.ts';
import { type BackupDeps, createBackup, pruneBackups, recordTenantEvent } from './backup/index.ts';
import { bloatedIndexes, type CleanupCounts, cleanupRows, schemaTables } from './maintenance-sql.ts';

export interface MaintenanceOptions {
  backup?: boolean;
  /** With `backup`: prune to the newest N afterwards. */
  keep?: number;
  optimize?: boolean;
  analyze?: boolean;
  vacuum?: boolean;
  /** Remove finished job logs, expired exports and events older than this many days. */
  cleanupDays?: number;
  /** Report what would happen, with counts; change nothing. */
  dryRun?: boolean;
}

export interface MaintenanceReport {
  tenant: string;
  dry_run: boolean;
  backup?: { file: string | null; pruned: number };
  analyzed?: string[];
  vacuumed?: string[];
  reindexed?: { name: string; bytes: number; bloat_ratio: number }[];
  cleanup?: CleanupCounts & { days: number };
}

export function checkMaintenanceOptions(options: MaintenanceOptions): void {
  const { cleanupDays, keep } = options;
  if (cleanupDays !== undefined && (!Number.isInteger(cleanupDays) || cleanupDays < 1)) {
    throw invalid('cleanup_days', 'must be a whole number of days, at least 1');
  }
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1))
    throw invalid('keep', 'must be at least 1');
  if (
    !options.backup &&
    !options.optimize &&
    !options.analyze &&
    !options.vacuum &&
    cleanupDays === undefined
  ) {
    throw invalid('operations', 'choose at least one of backup, optimize, analyze, vacuum, cleanup');
  }
}

/**
 * One tenant's maintenance, in the order that makes each step useful to the next: backup
 * first (a snapshot before anything is deleted), cleanup, VACUUM (reclaims what cleanup
 * freed), then ANALYZE and the bloat-driven REINDEX CONCURRENTLY. VACUUM FULL is never used:
 * it locks tables for the whole rewrite. Statements run outside a transaction, as VACUUM and
 * REINDEX CONCURRENTLY require.
 */
export async function runMaintenance(
  deps: BackupDeps,
  tenantId: string,
  options: MaintenanceOptions,
): Promise<MaintenanceReport> {
  checkMaintenanceOptions(options);
  const db: Db = deps.db;
  if (!(await findTenant(db, tenantId))) throw notFound(`tenant ${tenantId}`);
  const schema = tenantSchema(tenantId);
  const dryRun = options.dryRun === true;
  const report: MaintenanceReport = { tenant: tenantId, dry_run: dryRun };
  const qualified = (name: string) => sql`${sql.id(schema)}.${sql.id(name)}`;

  if (options.backup) {
    if (dryRun) report.backup = { file: null, pruned: 0 };
    else {
      const backup = await createBackup(deps, tenantId);
      const pruned = options.keep ? (await pruneBackups(deps, tenantId, options.keep)).removed.length : 0;
      report.backup = { file: backup.fileName, pruned };
    }
  }
  if (options.cleanupDays !== undefined) {
    const counts = await cleanupRows(db, tenantId, options.cleanupDays, dryRun);
    report.cleanup = { ...counts, days: options.cleanupDays };
  }
  const tables = options.vacuum || options.analyze || options.optimize ? await schemaTables(db, schema) : [];
  if (options.vacuum) {
    for (const table of tables) {
      deps.signal?.throwIfAborted();
      if (!dryRun) await sql`VACUUM (ANALYZE) ${qualified(table)}`.execute(db);
    }
    report.vacuumed = tables;
  }
  if (options.analyze || options.optimize) {
    // VACUUM (ANALYZE) has already refreshed the statistics.
    for (const table of options.vacuum ? [] : tables) {
      deps.signal?.throwIfAborted();
      if (!dryRun) await sql`ANALYZE ${qualified(table)}`.execute(db);
    }
    report.analyzed = tables;
  }
  if (options.optimize) {
    const bloated = await bloatedIndexes(db, schema);
    for (const index of bloated) {
      deps.signal?.throwIfAborted();
      if (!dryRun) await sql`REINDEX INDEX CONCURRENTLY ${qualified(index.name)}`.execute(db);
    }
    report.reindexed = bloated.map((i) => ({
      name: i.name,
      bytes: i.bytes,
      bloat_ratio: Math.round(i.bloatRatio * 100) / 100,
    }));
  }
  if (!dryRun) await recordTenantEvent(db, tenantId, 'maintenance', { ...report });
  return report;
}
