import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';
import { finishAllAdmitted } from './lane-queries.ts';

/**
 * A lane that becomes busy while no other lane is starts from the scheduler's clock (the floor
 * last seen while lanes were busy, migrations/0020), not from zero: it gets no head start over
 * lanes that ran before and become busy again after it.
 */
describe('scheduler clock', () => {
  let tdb: TestDatabase;
  const vtimes = async () => {
    const { rows } = await sql<{ name: string; vtime: number }>`
      SELECT name, vtime FROM tenantry.lanes ORDER BY name`.execute(tdb.db);
    return Object.fromEntries(rows.map((r) => [r.name, r.vtime]));
  };
  const run = async (tenant: string, jobs: number) => {
    await dispatchJobs(
      tdb.db,
      registry,
      Array.from({ length: jobs }, () => ({ task: 'queue-gc', payload: {}, tenant })),
    );
  };
  /** Admits, then finishes, every waiting job, as workers would, advancing the clock on the way. */
  const drain = async () => {
    for (;;) {
      const { rows } = await sql<{ n: number }>`SELECT tenantry.admit(100) AS n`.execute(tdb.db);
      await sql`SELECT tenantry.advance_vclock()`.execute(tdb.db);
      await finishAllAdmitted(tdb.db);
      if (rows[0]!.n === 0) break;
    }
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['old1', 'old2', 'fresh'], 5);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('starts a lane that becomes busy in an idle cluster at the last floor, and lanes returning after it level', async () => {
    await run('old1', 40);
    await run('old2', 40);
    await drain();
    const before = await vtimes();
    expect(before.tenant_old1_default).toBeGreaterThanOrEqual(39);
    expect(before.tenant_old2_default).toBeGreaterThanOrEqual(39);
    const { rows: idle } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.lanes WHERE due IS NOT NULL`.execute(tdb.db);
    expect(idle[0]!.n).toBe(0);
    const { rows: clock } = await sql<{
      vfloor: number;
    }>`SELECT vfloor FROM tenantry.scheduler_clock`.execute(tdb.db);
    expect(clock[0]!.vfloor).toBeGreaterThanOrEqual(30);

    // Idle cluster: the fresh lane starts half a job before the clock, not near zero...
    await run('fresh', 20);
    const fresh = (await vtimes()).tenant_fresh_default!;
    expect(fresh).toBe(clock[0]!.vfloor - 0.5);
    // ...and the lanes that ran before, busy again, are within a few jobs of it, so one pass
    // shares the room between all three instead of giving the fresh lane its whole cap first.
    await run('old1', 20);
    await run('old2', 20);
    const after = await vtimes();
    expect(Math.abs(after.tenant_old1_default! - fresh)).toBeLessThan(2);
    await sql`SELECT tenantry.admit(3, 3)`.execute(tdb.db);
    const { rows: pass } = await sql<{ lane: string }>`
      SELECT DISTINCT lane FROM tenantry.lane_jobs WHERE job_id IS NOT NULL`.execute(tdb.db);
    expect(pass.length).toBeGreaterThanOrEqual(2);
  });

  it('never moves the clock back', async () => {
    const read = async () =>
      (await sql<{ vfloor: number }>`SELECT vfloor FROM tenantry.scheduler_clock`.execute(tdb.db)).rows[0]!
        .vfloor;
    const now = await read();
    await sql`UPDATE tenantry.lanes SET vtime = 0 WHERE name = 'tenant_fresh_default'`.execute(tdb.db);
    await sql`SELECT tenantry.advance_vclock()`.execute(tdb.db);
    expect(await read()).toBe(now);
  });
});
