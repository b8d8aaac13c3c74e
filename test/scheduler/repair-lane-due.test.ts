import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * The reconcile's safety net for due times (migrations/0023): a lane with a waiting job whose
 * due time does not cover it would never be picked again. repair_lane_due() finds such lanes,
 * counting unfolded releases as applied, sets their due time and reports them.
 */
describe('repair_lane_due', () => {
  let tdb: TestDatabase;
  const repair = async () =>
    (
      await sql<{ lane: string; off: boolean }>`
        SELECT lane, due IS NULL OR due > earliest AS off FROM tenantry.repair_lane_due()`.execute(tdb.db)
    ).rows;
  const due = async (lane: string) =>
    (await sql<{ due: Date | null }>`SELECT due FROM tenantry.lanes WHERE name = ${lane}`.execute(tdb.db))
      .rows[0]!.due;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['ok', 'lost', 'late', 'held'], 5);
    // No live worker: dispatches admit nothing; every job waits in its lane.
    for (const t of ['ok', 'lost', 'late', 'held'])
      await dispatchJobs(tdb.db, registry, [{ task: 'queue-gc', payload: {}, tenant: t }]);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('leaves lanes whose due time covers their waiting jobs alone', async () => {
    expect(await repair()).toEqual([]);
  });

  it('repairs a lane with no due time or one later than its waiting job, and reports it', async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL WHERE name = 'tenant_lost_default'`.execute(tdb.db);
    await sql`UPDATE tenantry.lanes SET due = now() + interval '1 hour' WHERE name = 'tenant_late_default'`.execute(
      tdb.db,
    );
    expect(await repair()).toEqual([
      { lane: 'tenant_late_default', off: true },
      { lane: 'tenant_lost_default', off: true },
    ]);
    const { rows } = await sql<{ name: string; covered: boolean }>`
      SELECT l.name, l.due <= min(j.run_at) AS covered FROM tenantry.lanes l
      JOIN tenantry.lane_jobs j ON j.lane = l.name AND j.job_id IS NULL
      WHERE l.name IN ('tenant_late_default', 'tenant_lost_default') GROUP BY l.name, l.due ORDER BY l.name`.execute(
      tdb.db,
    );
    expect(rows).toEqual([
      { name: 'tenant_late_default', covered: true },
      { name: 'tenant_lost_default', covered: true },
    ]);
    // Due again, so the next pass admits the lost lane's job.
    const admitted = await sql<{ n: number }>`SELECT tenantry.admit(10) AS n`.execute(tdb.db);
    expect(admitted.rows[0]!.n).toBeGreaterThanOrEqual(2);
    expect(await repair()).toEqual([]);
  });

  it('counts a release not yet folded as the due time it carries', async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL WHERE name = 'tenant_held_default'`.execute(tdb.db);
    await sql`INSERT INTO tenantry.lane_releases (lane, n, due) VALUES ('tenant_held_default', 0, now() - interval '1 minute')`.execute(
      tdb.db,
    );
    expect(await repair()).toEqual([]);
    expect(await due('tenant_held_default')).toBeNull();
  });
});
