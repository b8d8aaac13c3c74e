import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantSchema, migrateTenantSchema } from '../src/db/tenant-schema.ts';
import { withConnectionTransaction } from '../src/db/transaction.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

describe('tenant schemas', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
  });
  afterAll(async () => {
    await tdb.close();
  });

  const tables = async (schema: string) =>
    (
      await sql<{ table_name: string }>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`.execute(
        tdb.db,
      )
    ).rows.map((r) => r.table_name);

  it('creates and migrates tenant_<id> inside a caller transaction, leaving search_path alone', async () => {
    await withConnectionTransaction(tdb.pool, async (trx) => {
      const report = await createTenantSchema(trx, 'acme-co');
      expect(report.applied).toEqual([
        '0001_clients_and_appointments',
        '0002_appointment_reminders',
        '0003_reminder_follows_start',
        '0004_files',
        '0005_retired_files',
      ]);
      const { rows } = await sql<{ search_path: string }>`SHOW search_path`.execute(trx);
      expect(rows[0]?.search_path).not.toContain('tenant_');
    });
    expect(await tables('tenant_acme-co')).toEqual([
      'appointments',
      'clients',
      'file_chunks',
      'file_imports',
      'files',
      'schema_migrations',
      'schema_migrations_lock',
    ]);
    expect((await migrateTenantSchema(tdb.db, 'acme-co')).applied).toEqual([]);
  });

  it('leaves nothing behind when the transaction rolls back', async () => {
    await expect(
      withConnectionTransaction(tdb.pool, async (trx) => {
        await createTenantSchema(trx, 'rollback');
        throw new Error('provisioning failed midway');
      }),
    ).rejects.toThrow('provisioning failed midway');
    expect(await tables('tenant_rollback')).toEqual([]);
  });
});
