import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { insertTenant } from '../../src/db/tenants.ts';
import { asideSchema } from '../../src/lifecycle/backup/swap.ts';
import { migrateAllTenants } from '../../src/lifecycle/migrate-tenants.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { addTenant, holdBackupLock } from './fixtures.ts';

describe('migrating every tenant schema', () => {
  let tdb: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    for (const id of ['m1', 'm2', 'm3', 'broken', 'restoring', 'aside']) await addTenant(tdb, id);
    dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-tenant-migrations-'));
    // The shipped tenant migrations (applied already), then one more.
    const shipped = (await readdir(path.join(MIGRATIONS_DIR, 'tenant'))).filter((f) => f.endsWith('.sql'));
    for (const name of shipped) {
      await writeFile(
        path.join(dir, name),
        await readFile(path.join(MIGRATIONS_DIR, 'tenant', name), 'utf8'),
      );
    }
    await writeFile(path.join(dir, '0099_client_notes.sql'), 'ALTER TABLE clients ADD COLUMN notes text;');
    // One tenant whose schema cannot take the migration.
    await sql`ALTER TABLE tenant_broken.clients ADD COLUMN notes integer`.execute(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates the others, reports the failing tenant, and is idempotent', async () => {
    const seen: string[] = [];
    const summary = await migrateAllTenants(tdb.db, {
      dir,
      concurrency: 2,
      tenants: ['m1', 'm2', 'm3', 'broken'],
      onTenant: (o) => seen.push(o.tenant),
    });
    expect(summary).toMatchObject({ tenants: 4, migrated: 3, upToDate: 0 });
    expect(summary.failed.map((f) => f.tenant)).toEqual(['broken']);
    expect(summary.failed[0]!.error).toMatch(/0099_client_notes/);
    expect(seen.sort()).toEqual(['broken', 'm1', 'm2', 'm3']);
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM information_schema.columns
      WHERE column_name = 'notes' AND table_name = 'clients' AND data_type = 'text'`.execute(tdb.db);
    expect(rows[0]!.n).toBe('3');

    const again = await migrateAllTenants(tdb.db, { dir, concurrency: 3, tenants: ['m1', 'm2', 'm3'] });
    expect(again).toMatchObject({ tenants: 3, migrated: 0, upToDate: 3, failed: [] });
  });

  it('leaves a tenant a restore is working on alone, and never makes an empty schema in place of one set aside', async () => {
    // A restore running: it holds the tenant's backup lock exclusively.
    const restore = await holdBackupLock(tdb.db, 'restoring', 'exclusive');
    // A restore that set the schema aside (running, or killed before it restored the new one).
    await sql`ALTER SCHEMA tenant_aside RENAME TO ${sql.id(asideSchema('aside'))}`.execute(tdb.db);
    // A schema not migrated yet (no migration table), its restore running: the other path.
    await insertTenant(tdb.db, { id: 'bare', name: 'Bare' });
    await sql`CREATE SCHEMA tenant_bare`.execute(tdb.db);
    const bare = await holdBackupLock(tdb.db, 'bare', 'exclusive');
    try {
      const summary = await migrateAllTenants(tdb.db, { dir, tenants: ['restoring', 'aside', 'bare', 'm1'] });
      expect(summary).toMatchObject({ tenants: 4, upToDate: 1 });
      const errors = Object.fromEntries(summary.failed.map((f) => [f.tenant, f.error]));
      expect(errors.restoring).toMatch(/^a restore of tenant restoring is in progress/);
      expect(errors.bare).toMatch(/^a restore of tenant bare is in progress/);
      expect(errors.aside).toMatch(/^schema tenant_aside does not exist and is not created here/);
      const { rows } = await sql<{ nspname: string }>`
        SELECT nspname FROM pg_namespace WHERE nspname IN ('tenant_aside', ${asideSchema('aside')})`.execute(
        tdb.db,
      );
      expect(rows.map((r) => r.nspname)).toEqual([asideSchema('aside')]);
    } finally {
      restore.release();
      bare.release();
      await Promise.all([restore.held, bare.held]);
    }
    expect(await migrateAllTenants(tdb.db, { dir, tenants: ['bare'] })).toMatchObject({
      migrated: 1,
      failed: [],
    });
    // Beside a backup (the lock shared) it migrates as usual.
    const backup = await holdBackupLock(tdb.db, 'restoring', 'shared');
    expect(await migrateAllTenants(tdb.db, { dir, tenants: ['restoring'] })).toMatchObject({
      migrated: 1,
      failed: [],
    });
    backup.release();
    await backup.held;
  });
});
