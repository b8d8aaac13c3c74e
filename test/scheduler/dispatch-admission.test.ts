import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * A dispatch admits at most as many jobs as it added (migrations/0015), chosen by the fairness
 * rule like any pass: a quiet tenant's job goes straight in, and the dispatcher does not pay
 * for admitting other tenants' backlogs.
 */
describe('admission at dispatch', () => {
  let tdb: TestDatabase;
  const admitted = async () =>
    (
      await sql<{ lane: string; n: number }>`
        SELECT lane, count(*)::int AS n FROM tenantry.lane_jobs WHERE job_id IS NOT NULL GROUP BY lane ORDER BY lane`.execute(
        tdb.db,
      )
    ).rows;
  const jobs = (tenant: string, n: number) =>
    Array.from({ length: n }, () => ({ task: 'queue-gc', payload: {}, tenant }));

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['backlog', 'quiet'], 50);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('admits the quiet tenant’s one job and leaves the backlog to the workers’ passes', async () => {
    // No live worker: nothing is admitted, the backlog waits.
    await dispatchJobs(tdb.db, registry, jobs('backlog', 50));
    expect(await admitted()).toEqual([]);

    // A worker with room for 100 jobs appears.
    await sql`INSERT INTO tenantry.workers (id, hostname, pid, concurrency, admission_slots)
              VALUES ('w1', 'h', 1, 10, 100)`.execute(tdb.db);
    await dispatchJobs(tdb.db, registry, jobs('quiet', 1));
    expect(await admitted()).toEqual([{ lane: 'tenant_quiet_default', n: 1 }]);

    // A dispatch of three admits three, in fair order: virtual finish times interleave the
    // backlog's lane (busy first) with the quiet one's (now half a job behind it).
    await dispatchJobs(tdb.db, registry, jobs('quiet', 3));
    expect(await admitted()).toEqual([
      { lane: 'tenant_backlog_default', n: 2 },
      { lane: 'tenant_quiet_default', n: 2 },
    ]);

    // A full pass (what recorded outcomes and the tick run) fills the rest of the room.
    await sql`SELECT tenantry.admit(0)`.execute(tdb.db);
    expect((await admitted()).reduce((n, r) => n + r.n, 0)).toBe(54);
  });

  it('keeps a lane due while it has due jobs beyond its room, and finds its next time when it runs out', async () => {
    for (const [id, cap] of [
      ['pair', 2],
      ['trio', 3],
    ] as const) {
      await insertTenants(tdb.db, [id], cap);
      await dispatchJobs(tdb.db, registry, [
        ...jobs(id, 3),
        { task: 'queue-gc', payload: {}, tenant: id, delayMs: 3_600_000 },
      ]);
    }
    await sql`SELECT tenantry.admit(0)`.execute(tdb.db);
    const { rows } = await sql<{ name: string; inflight: number; ahead_s: number }>`
      SELECT name, inflight, round(extract(epoch FROM due - now()))::int AS ahead_s
      FROM tenantry.lanes WHERE name IN ('tenant_pair_default', 'tenant_trio_default') ORDER BY name`.execute(
      tdb.db,
    );
    // pair: 2 of its 3 due jobs admitted, one still due. trio: all 3 admitted, the delayed one next.
    expect(rows).toEqual([
      { name: 'tenant_pair_default', inflight: 2, ahead_s: expect.any(Number) },
      { name: 'tenant_trio_default', inflight: 3, ahead_s: 3600 },
    ]);
    expect(rows[0]!.ahead_s).toBeLessThanOrEqual(0);
  });

  it('takes a lane’s next jobs from the ordered index even when statistics say the lane is empty', async () => {
    // The shape of admission's LATERAL (migrations/0021). An index on (lane, run_at) of every
    // waiting job matched it too (0008-0020), and with the statistics of an empty queue table
    // the planner read and sorted every due job.
    await sql`ANALYZE tenantry.lane_jobs`.execute(tdb.db);
    // Index plans only: the table is small here, where a scan of all of it is fair.
    const rows = await tdb.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
      return (
        await sql<{ 'QUERY PLAN': string }>`
          EXPLAIN SELECT lj.log_id FROM tenantry.lane_jobs lj
          WHERE lj.lane = 'tenant_backlog_default' AND lj.job_id IS NULL AND lj.run_at <= clock_timestamp()
          ORDER BY lj.priority, lj.log_id LIMIT 6`.execute(trx)
      ).rows;
    });
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('lane_jobs_next_idx');
    expect(plan).not.toContain('lane_jobs_deferred_idx');
    expect(plan).not.toMatch(/\bSort\b/);
  });
});
