import type { Db } from '../db/database.ts';
import { migrateSchema } from '../db/migrate.ts';
import { TENANT_MIGRATIONS_DIR } from '../db/tenant-schema.ts';
import { allTenantIds } from '../db/tenants.ts';
import { tenantSchema } from '../tenancy.ts';
import { applyPendingMigrations, loadMigrationFiles } from './tenant-migrator.ts';

export interface TenantMigrationOutcome {
  tenant: string;
  applied: string[];
  error?: string;
}

export interface TenantMigrationSummary {
  tenants: number;
  migrated: number;
  upToDate: number;
  failed: TenantMigrationOutcome[];
}

export interface MigrateTenantsOptions {
  /** Schemas migrated at once; each holds one pooled connection, so keep it below the pool size. */
  concurrency?: number;
  /** Defaults to migrations/tenant; the benchmark points it at a scratch copy. */
  dir?: string;
  tenants?: string[];
  onTenant?: (outcome: TenantMigrationOutcome) => void;
}

/**
 * Brings every tenant schema up to date, `concurrency` at a time. Each schema migrates in its
 * own transaction (tenant-migrator.ts), so a failing tenant rolls back alone and is reported
 * while the others carry on.
 */
export async function migrateAllTenants(
  db: Db,
  options: MigrateTenantsOptions = {},
): Promise<TenantMigrationSummary> {
  const ids = options.tenants ?? (await allTenantIds(db));
  const dir = options.dir ?? TENANT_MIGRATIONS_DIR;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, ids.length || 1));
  const summary: TenantMigrationSummary = { tenants: ids.length, migrated: 0, upToDate: 0, failed: [] };
  const files = await loadMigrationFiles(dir);
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const tenant = ids[next++]!;
      let outcome: TenantMigrationOutcome;
      try {
        const schema = tenantSchema(tenant);
        const applied =
          (await applyPendingMigrations(db, schema, files)) ?? (await migrateSchema(db, dir, schema)).applied;
        outcome = { tenant, applied };
        if (applied.length) summary.migrated++;
        else summary.upToDate++;
      } catch (err) {
        outcome = { tenant, applied: [], error: (err as Error).message };
        summary.failed.push(outcome);
      }
      options.onTenant?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return summary;
}
