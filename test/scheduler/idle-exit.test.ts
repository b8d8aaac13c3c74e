import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';
import { admittedIn, finishAllAdmitted } from './lane-queries.ts';

/**
 * try_admit (migrations/0029) returns at once when no lane is ready and no release is pending:
 * an outcome batch of central jobs no longer runs an admission pass that can do nothing. The
 * exit must not skip a pass that has work: a release to fold, a lane to admit from. No worker
 * runs, so dispatch admits nothing; passes are called by hand with a room of 10.
 */
describe('an admission pass with nothing to do', () => {
  let tdb: TestDatabase;

  const lane = async (tenant: string) =>
    (
      await sql<{ inflight: number; due: Date | null }>`
        SELECT inflight, due FROM tenantry.lanes WHERE tenant_id = ${tenant}`.execute(tdb.db)
    ).rows[0]!;
  const admitted = (tenant: string) => admittedIn(tdb.db, tenant);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['solo'], 5);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('returns without a pass when no lane is ready and no release is pending', async () => {
    const client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ n: number }>('SELECT tenantry.try_admit(10) AS n');
      expect(rows[0]!.n).toBe(0);
      // A pass with room takes the admission turn (an advisory lock held to the end of its
      // transaction); none was taken here.
      const locks = await client.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
      );
      expect(locks.rowCount).toBe(0);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  });

  it('still admits from a lane that is ready', async () => {
    await dispatchJobs(tdb.db, registry, [{ task: 'queue-gc', payload: {}, tenant: 'solo' }]);
    expect(await admitted('solo')).toBe(0);
    const { rows } = await sql<{ n: number }>`SELECT tenantry.try_admit(10) AS n`.execute(tdb.db);
    expect(rows[0]!.n).toBe(1);
    expect(await admitted('solo')).toBe(1);
    expect(await lane('solo')).toMatchObject({ inflight: 1, due: null });
  });

  it('still folds a pending release of a lane with nothing waiting', async () => {
    // The job admitted above finishes: its slot is released, and its lane has no job waiting.
    await finishAllAdmitted(tdb.db);
    expect(await lane('solo')).toMatchObject({ inflight: 1, due: null });
    const { rows } = await sql<{ n: number }>`SELECT tenantry.try_admit(10) AS n`.execute(tdb.db);
    expect(rows[0]!.n).toBe(0);
    expect((await lane('solo')).inflight).toBe(0);
    const { rows: pending } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.lane_releases`.execute(tdb.db);
    expect(pending[0]!.n).toBe(0);
  });
});
