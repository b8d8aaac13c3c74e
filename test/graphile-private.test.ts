import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHILE_WORKER_CHECKED, RELIED_ON_COLUMNS } from '../src/db/graphile-private.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

/** Fails when graphile-worker changes under us: re-check src/db/graphile-private.ts, then bump it. */
describe("graphile-worker's private schema", () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('is the version the private accesses were checked against', () => {
    // Its package exports only its entry point: read package.json beside dist/.
    const entry = createRequire(import.meta.url).resolve('graphile-worker');
    const manifest = path.join(path.dirname(entry), '..', 'package.json');
    const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
    expect(installed).toBe(GRAPHILE_WORKER_CHECKED);
  });

  it('still has every table and column Tenantry reads or writes', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'graphile_worker' AND table_name = ANY(${Object.keys(RELIED_ON_COLUMNS)}::text[])`.execute(
      tdb.db,
    );
    for (const [table, columns] of Object.entries(RELIED_ON_COLUMNS)) {
      const present = rows.filter((r) => r.table_name === table).map((r) => r.column_name);
      expect(present, table).toEqual(expect.arrayContaining([...columns]));
    }
  });

  it('still offers the public functions and view the scheduler uses', async () => {
    const { rows } = await sql<{ name: string }>`
      SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'graphile_worker'
      UNION SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'graphile_worker' AND c.relkind = 'v'`.execute(tdb.db);
    const names = rows.map((r) => r.name);
    for (const name of [
      'add_jobs',
      'complete_jobs',
      'reschedule_jobs',
      'permanently_fail_jobs',
      'force_unlock_workers',
      'jobs',
    ])
      expect(names).toContain(name);
  });
});
