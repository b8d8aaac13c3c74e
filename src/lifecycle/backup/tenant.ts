import { type Kysely, sql } from 'kysely';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { TenantryDatabase } from '../../db/schema.ts';
import { findTenant } from '../../db/tenants.ts';
import { notFound } from '../../errors.ts';
import { checkTenantId } from './paths.ts';
import { type BackupTables, backupDb, type TenantEventType } from './types.ts';

/** Backups exist only for registered tenants; an unknown id is a 404, a malformed one a 400. */
export async function requireTenant(db: Db, tenantId: string): Promise<void> {
  checkTenantId(tenantId);
  if (!(await findTenant(db, tenantId))) throw notFound(`tenant ${tenantId}`);
}

export async function schemaExists(db: DbOrTrx, schema: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS found`.execute(db);
  return rows[0]?.found === true;
}

/**
 * Appends one row to the tenant's event trail (tenant_events); pass a transaction to commit
 * the event together with the change it records.
 */
export async function recordTenantEvent(
  db: Kysely<TenantryDatabase> | Kysely<TenantryDatabase & BackupTables>,
  tenantId: string,
  type: TenantEventType,
  data: Record<string, unknown> = {},
): Promise<void> {
  // withTables only widens the type; both handles reach the same tables.
  await backupDb(db as Kysely<TenantryDatabase>)
    .insertInto('tenantry.tenant_events')
    .values({ tenant_id: tenantId, type, data: JSON.stringify(data) })
    .execute();
}
