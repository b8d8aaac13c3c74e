import { readdirSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, createPool } from '../src/db/database.ts';
import { MIGRATIONS_DIR, migrateControlPlane } from '../src/db/migrate.ts';

const ALL = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.slice(0, -4))
  .sort();

import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

describe('control-plane migrations', () => {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close()));
  });

  it('apply once when several processes start together, then are idempotent', async () => {
    const target = await cloneTestDatabase({ empty: true });
    opened.push(target);
    // Three independent pools stand in for three processes starting at the same moment.
    const runners = [0, 1, 2].map(() => {
      const pool = createPool({ connectionString: target.url, max: 3 });
      return { pool, db: createDb(pool) };
    });
    const reports = await Promise.all(runners.map((r) => migrateControlPlane(r.db, r.pool)));
    await Promise.all(runners.map((r) => r.db.destroy()));

    const applied = reports.flatMap((r) => r.applied);
    expect(applied.sort()).toEqual(ALL);
    expect(ALL[0]).toBe('0001_tenants_and_api_keys');

    const again = await migrateControlPlane(target.db, target.pool);
    expect(again.applied).toEqual([]);

    const { rows } = await sql<{ name: string }>`
      SELECT name FROM tenantry.schema_migrations ORDER BY name`.execute(target.db);
    expect(rows.map((r) => r.name)).toEqual(ALL);
    const worker = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'graphile_worker'`.execute(
      target.db,
    );
    expect(worker.rows[0]?.n).toBe(1);
  });

  it('enforce the tenant id slug and status vocabulary', async () => {
    const tdb = await cloneTestDatabase();
    opened.push(tdb);
    const insert = (id: string, status = 'active') =>
      sql`INSERT INTO tenantry.tenants (id, name, status) VALUES (${id}, 'x', ${status})`.execute(tdb.db);
    await expect(insert('acme-1')).resolves.toBeDefined();
    await expect(insert('Acme')).rejects.toThrow(/check constraint/);
    await expect(insert('a_b')).rejects.toThrow(/check constraint/);
    await expect(insert('a--b')).rejects.toThrow(/check constraint/);
    await expect(insert('ok', 'deleted')).rejects.toThrow(/check constraint/);
  });
});
