import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * Freed slots are folded into their lanes' inflight by the next admission (fold_releases,
 * migrations/0017), except for lanes another pass holds right now: theirs wait, none is lost
 * or counted twice.
 */
describe('fold_releases', () => {
  let tdb: TestDatabase;
  const lanes = async () => {
    const { rows } = await sql<{ name: string; inflight: number; releases: number }>`
      SELECT l.name, l.inflight,
             (SELECT coalesce(sum(r.n), 0)::int FROM tenantry.lane_releases r WHERE r.lane = l.name) AS releases
      FROM tenantry.lanes l ORDER BY l.name`.execute(tdb.db);
    return rows;
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['a', 'b'], 2);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('folds the free lanes, leaves a held lane for later, and counts each release once', async () => {
    await dispatchJobs(
      tdb.db,
      registry,
      ['a', 'a', 'b', 'b'].map((tenant) => ({ task: 'queue-gc', payload: {}, tenant })),
    );
    await sql`SELECT tenantry.try_admit(10)`.execute(tdb.db);
    await sql`SELECT graphile_worker.complete_jobs(ARRAY(SELECT job_id FROM tenantry.lane_jobs))`.execute(
      tdb.db,
    );
    await sql`SELECT tenantry.finish_admitted(ARRAY(SELECT log_id FROM tenantry.lane_jobs))`.execute(tdb.db);
    expect(await lanes()).toEqual([
      { name: 'tenant_a_default', inflight: 2, releases: 2 },
      { name: 'tenant_b_default', inflight: 2, releases: 2 },
    ]);

    const holder = await tdb.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM tenantry.lanes WHERE name = 'tenant_a_default' FOR UPDATE");
      await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
      expect(await lanes()).toEqual([
        { name: 'tenant_a_default', inflight: 2, releases: 2 },
        { name: 'tenant_b_default', inflight: 0, releases: 0 },
      ]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
    await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
    expect(await lanes()).toEqual([
      { name: 'tenant_a_default', inflight: 0, releases: 0 },
      { name: 'tenant_b_default', inflight: 0, releases: 0 },
    ]);
  });
});
