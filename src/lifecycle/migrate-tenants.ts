import type { Db, DbOrTrx } from '../db/database.ts';
import { migrateSchema } from '../db/migrate.ts';
import { TENANT_MIGRATIONS_DIR } from '../db/tenant-schema.ts';
import { allTenantIds } from '../db/tenants.ts';
import { AppError } from '../errors.ts';
import { tenantSchema } from '../tenancy.ts';
import { type HeldLock, shareBackupLockForTransaction, withTenantBackupLock } from './backup/lock.ts';
import { schemaExists } from './backup/tenant.ts';
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
 * A restore sets the schema aside, restores into a new one and migrates that itself: a
 * migration of the schema meanwhile would find it gone, and the migrator would make an empty
 * one in its place (the restore then failed). The tenant is reported instead.
 */
async function notRestoring(trx: DbOrTrx, tenant: string): Promise<void> {
  if (!(await shareBackupLockForTransaction(trx, tenant))) restoring(tenant);
}

function restoring(tenant: string): never {
  throw new Error(
    `a restore of tenant ${tenant} is in progress or waiting to start (it migrates the schema it restores); migrate again once it has ended`,
  );
}

/**
 * A schema with no migration table yet, migrated by kysely's Migrator, which creates the schema
 * when it is missing: under the tenant's backup lock (shared, as a backup takes it; refused at
 * once while a restore holds it) from the check of the schema's presence to the end, and a
 * missing one is reported rather than made (see notRestoring). The Migrator runs its own
 * transaction: inside a caller's, a failing migration left its session-level lock held.
 */
async function initialize(db: Db, dir: string, tenant: string, schema: string): Promise<string[]> {
  // All on the lock's own session: one connection per lane, as the other path takes.
  const migrate = async ({ session }: HeldLock) => {
    if (!(await schemaExists(session, schema))) {
      throw new Error(
        `schema ${schema} does not exist and is not created here: a restore that set it aside puts it back ` +
          '(or the next activation does), and a lost one is brought back by restoring a backup',
      );
    }
    return (await migrateSchema(session, dir, schema)).applied;
  };
  try {
    return await withTenantBackupLock(db, tenant, 'shared', 1, migrate);
  } catch (err) {
    if (err instanceof AppError && err.extensions.reason === 'backup_in_progress') restoring(tenant);
    throw err;
  }
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
          (await applyPendingMigrations(db, schema, files, (trx) => notRestoring(trx, tenant))) ??
          (await initialize(db, dir, tenant, schema));
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
