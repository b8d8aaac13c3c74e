import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { createTenantSchema } from '../../src/db/tenant-schema.ts';
import { insertTenant } from '../../src/db/tenants.ts';
import { withConnectionTransaction } from '../../src/db/transaction.ts';
import { AppError } from '../../src/errors.ts';
import type { BackupDeps } from '../../src/lifecycle/backup/index.ts';
import { type LockMode, withTenantBackupLock } from '../../src/lifecycle/backup/lock.ts';
import { tenantSchema } from '../../src/tenancy.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

export const KEY = Buffer.alloc(32, 7);
export const OTHER_KEY = Buffer.alloc(32, 9);

export interface BackupHarness {
  tdb: TestDatabase;
  backupDir: string;
  deps(overrides?: Partial<BackupDeps>): BackupDeps;
  close(): Promise<void>;
}

/** A database of the test file's own and an empty BACKUP_DIR. */
export async function backupHarness(): Promise<BackupHarness> {
  const tdb = await cloneTestDatabase();
  const backupDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-backups-'));
  return {
    tdb,
    backupDir,
    deps: (overrides = {}) => ({
      db: tdb.db,
      connectionString: tdb.url,
      backupDir,
      timeoutMs: 60_000,
      ...overrides,
    }),
    close: async () => {
      await tdb.close();
      await rm(backupDir, { recursive: true, force: true });
    },
  };
}

/** Registers the tenant and creates its migrated schema, as provisioning does. */
export async function addTenant(tdb: TestDatabase, id: string): Promise<void> {
  await insertTenant(tdb.db, { id, name: `Tenant ${id}` });
  await withConnectionTransaction(tdb.pool, (trx) => createTenantSchema(trx, id).then(() => undefined));
}

/**
 * Rows that exercise what a dump must carry exactly: NULLs, quotes, newlines, non-ASCII text,
 * timestamps with microseconds, foreign keys.
 */
export async function seed(tdb: TestDatabase, id: string, clients = 50): Promise<void> {
  const schema = sql.id(tenantSchema(id));
  await sql`
    INSERT INTO ${schema}.clients (name, email, phone, company_context, context_processed_at, created_at)
    SELECT 'Client ' || g || E' \u00f1\u00e9\u4e2d "q" ''s\n',
           CASE WHEN g % 3 = 0 THEN NULL ELSE 'c' || g || '@example.com' END,
           CASE WHEN g % 2 = 0 THEN '+34 600 ' || lpad(g::text, 3, '0') END,
           repeat('context ', g % 7),
           CASE WHEN g % 4 = 0 THEN timestamptz '2024-03-01 10:00:00.123456+00' + g * interval '1 min' END,
           timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
    FROM generate_series(1, ${clients}) AS g`.execute(tdb.db);
  await sql`
    INSERT INTO ${schema}.appointments (client_id, starts_at, ends_at, status, service, notes)
    SELECT c.id, c.created_at + interval '1 day', c.created_at + interval '1 day 1 hour',
           (ARRAY['scheduled','confirmed','cancelled','completed'])[1 + c.id % 4], 'cut', NULL
    FROM ${schema}.clients c`.execute(tdb.db);
}

export interface Snapshot {
  clients: string[];
  appointments: string[];
}

/** Every row of both tables as its JSON text, in id order, for an exact comparison. */
export async function snapshot(tdb: TestDatabase, id: string): Promise<Snapshot> {
  const schema = sql.id(tenantSchema(id));
  const rows = async (table: string) =>
    (
      await sql<{ row: string }>`
        SELECT to_jsonb(t)::text AS row FROM ${schema}.${sql.id(table)} t ORDER BY id`.execute(tdb.db)
    ).rows.map((r) => r.row);
  return { clients: await rows('clients'), appointments: await rows('appointments') };
}

/** Updates, deletes and inserts, so a restore has something to undo in every direction. */
export async function mutate(tdb: TestDatabase, id: string): Promise<void> {
  const schema = sql.id(tenantSchema(id));
  await sql`UPDATE ${schema}.clients SET name = 'changed' WHERE id % 5 = 0`.execute(tdb.db);
  await sql`DELETE FROM ${schema}.clients WHERE id % 7 = 0`.execute(tdb.db);
  await sql`INSERT INTO ${schema}.clients (name) VALUES ('added after the backup')`.execute(tdb.db);
}

/** The tenant's schema and any restore leftovers next to it. */
export async function schemaNames(tdb: TestDatabase, id: string): Promise<string[]> {
  const { rows } = await sql<{ nspname: string }>`
    SELECT nspname FROM pg_namespace
    WHERE nspname = ${tenantSchema(id)} OR starts_with(nspname, ${`${tenantSchema(id)}__`})
    ORDER BY nspname`.execute(tdb.db);
  return rows.map((r) => r.nspname);
}

export async function events(tdb: TestDatabase, id: string, type: string) {
  const { rows } = await sql<{ data: Record<string, unknown> }>`
    SELECT data FROM tenantry.tenant_events WHERE tenant_id = ${id} AND type = ${type} ORDER BY id`.execute(
    tdb.db,
  );
  return rows.map((r) => r.data);
}

/** Asserts the promise fails with an AppError of that code (and reason, when given). */
export async function expectAppError(
  promise: Promise<unknown>,
  code: string,
  reason?: string,
): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const appError = err as AppError;
  expect(appError.code, appError.message).toBe(code);
  if (reason !== undefined) expect(appError.extensions.reason, appError.message).toBe(reason);
  return appError;
}

/**
 * The tenant's backup lock held, as a running restore (`exclusive`) or backup (`shared`) holds
 * it, until `release()`; `held` settles once it is let go.
 */
export async function holdBackupLock(db: Db, tenant: string, mode: LockMode) {
  let release!: () => void;
  const held = withTenantBackupLock(db, tenant, mode, 1000, () => new Promise<void>((r) => (release = r)));
  while (!release) await new Promise((r) => setTimeout(r, 10));
  return { release, held };
}
