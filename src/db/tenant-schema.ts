import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { tenantSchema } from '../tenancy.ts';
import { MIGRATIONS_DIR, type MigrationReport, migrateSchema } from './migrate.ts';

export const TENANT_MIGRATIONS_DIR = path.join(MIGRATIONS_DIR, 'tenant');

/**
 * Creates `tenant_<id>` and applies the tenant migrations, on a kysely instance bound to an
 * open transaction (withConnectionTransaction), so a failure leaves no schema behind.
 */
export async function createTenantSchema<DB>(trx: Kysely<DB>, tenantId: string): Promise<MigrationReport> {
  const schema = tenantSchema(tenantId);
  await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(trx);
  return migrateSchema(trx, TENANT_MIGRATIONS_DIR, schema, { inTransaction: true });
}

export async function migrateTenantSchema<DB>(db: Kysely<DB>, tenantId: string): Promise<MigrationReport> {
  return migrateSchema(db, TENANT_MIGRATIONS_DIR, tenantSchema(tenantId));
}
