import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { SLOT_QUANTUM_MS, writeJobLogBatch } from '../../src/jobs/log-batch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';
import { finishAllAdmitted } from './lane-queries.ts';

/**
 * A tenant's share is the tenant's, not its queues' (migrations/0041): each start costs a lane
 * its tenant's busy queues over the weight, so a tenant spreading jobs over queue names gets no
 * more of the workers than one with a single queue. Passes are run by hand, with room for a few
 * jobs each and every admitted job finished before the next, so counts are exact.
 */
describe("a tenant's share across its queues", () => {
  let tdb: TestDatabase;

  const backlog = (tenant: string, queue: string, n: number, delayMs?: number) =>
    dispatchJobs(
      tdb.db,
      registry,
      Array.from({ length: n }, () => ({
        task: 'queue-gc',
        payload: {},
        tenant,
        queue,
        ...(delayMs ? { delayMs } : {}),
      })),
    );
  /** Runs passes of `room` until `total` jobs were admitted; admissions per tenant. */
  const admissions = async (room: number, total: number) => {
    const counts = new Map<string, number>();
    let admitted = 0;
    while (admitted < total) {
      await sql`SELECT tenantry.try_admit(${room}::int)`.execute(tdb.db);
      const { rows } = await sql<{ tenant: string; n: number }>`
        SELECT l.tenant_id AS tenant, count(*)::int AS n FROM tenantry.lane_jobs j
        JOIN tenantry.lanes l ON l.name = j.lane WHERE j.job_id IS NOT NULL GROUP BY l.tenant_id`.execute(
        tdb.db,
      );
      if (rows.length === 0) throw new Error('a pass admitted nothing');
      for (const r of rows) {
        counts.set(r.tenant, (counts.get(r.tenant) ?? 0) + r.n);
        admitted += r.n;
      }
      await finishAllAdmitted(tdb.db);
    }
    return counts;
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['many', 'one', 'later', 'slow', 'wide', 'pair'], 10);
  });
  beforeEach(async () => {
    // Out of graphile-worker, so every test's passes have their whole room.
    await finishAllAdmitted(tdb.db);
    await sql`DELETE FROM tenantry.job_logs`.execute(tdb.db);
    await sql`DELETE FROM tenantry.lanes`.execute(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('gives a tenant with four busy queues the same starts as a tenant with one', async () => {
    for (const queue of ['q1', 'q2', 'q3', 'q4']) await backlog('many', queue, 40);
    await backlog('one', 'default', 80);
    const counts = await admissions(4, 80);
    // Equal weights: 40 / 40 within a pass's room (each pass admits 4). Per lane it was 4 to 1.
    expect(Math.abs((counts.get('one') ?? 0) - 40)).toBeLessThanOrEqual(4);
    expect(Math.abs((counts.get('many') ?? 0) - 40)).toBeLessThanOrEqual(4);
    const { rows } = await sql<{ busy: number }>`
      SELECT DISTINCT busy_queues AS busy FROM tenantry.lanes WHERE tenant_id = 'many'`.execute(tdb.db);
    expect(rows).toEqual([{ busy: 4 }]);
  });

  it('counts only the queues competing now, not those whose jobs are all delayed', async () => {
    await backlog('later', 'now', 60);
    await backlog('later', 'tomorrow', 5, 86_400_000);
    await backlog('later', 'next-week', 5, 7 * 86_400_000);
    await backlog('one', 'default', 60);
    const counts = await admissions(4, 60);
    expect(Math.abs((counts.get('one') ?? 0) - 30)).toBeLessThanOrEqual(4);
    expect(Math.abs((counts.get('later') ?? 0) - 30)).toBeLessThanOrEqual(4);
  });

  it("admits a job of a tenant with twelve busy queues at its own dispatch, as a lone queue's", async () => {
    const queues = Array.from({ length: 12 }, (_, i) => `q${i}`);
    // Waiting, not admitted: no worker is live.
    for (const queue of queues) await backlog('wide', queue, 1);
    await sql`INSERT INTO tenantry.workers (id, hostname, pid, concurrency, admission_slots)
              VALUES ('room', 'h', 1, 10, 100)`.execute(tdb.db);
    try {
      // A dispatch's pass is bound to finish times within 10 of the floor; each of the twelve
      // lanes' first job finishes 12 past it, and is forgiven the 11 its siblings add.
      await backlog('wide', 'q0', 1);
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM tenantry.lane_jobs WHERE job_id IS NOT NULL`.execute(tdb.db);
      expect(rows[0]!.n).toBe(1);
    } finally {
      await sql`DELETE FROM tenantry.workers WHERE id = 'room'`.execute(tdb.db);
    }
  });

  it('prices lanes counted while each was alone as siblings once both compete', async () => {
    // Each lane is admitted, and counted, while the other has nothing due.
    await backlog('pair', 'a', 1);
    await sql`SELECT tenantry.try_admit(1)`.execute(tdb.db);
    await backlog('pair', 'b', 1);
    await sql`SELECT tenantry.try_admit(1)`.execute(tdb.db);
    await finishAllAdmitted(tdb.db);
    await backlog('pair', 'a', 5);
    await backlog('pair', 'b', 5);
    await sql`SELECT tenantry.try_admit(4)`.execute(tdb.db);
    const { rows } = await sql<{ queue: string; busy: number }>`
      SELECT queue, busy_queues AS busy FROM tenantry.lanes WHERE tenant_id = 'pair' ORDER BY queue`.execute(
      tdb.db,
    );
    // Both picked together: two busy queues, whether their counts of one still stood (the pass
    // came within 250 ms) or were taken again.
    expect(rows).toEqual([
      { queue: 'a', busy: 2 },
      { queue: 'b', busy: 2 },
    ]);
  });

  it("charges slot time at the lane's share when the charge is made, as a start is", async () => {
    // Admitted alone (one busy queue); a second queue is busy by the time the attempt ends.
    await backlog('slow', 'a', 1);
    await sql`SELECT tenantry.try_admit(1)`.execute(tdb.db);
    const { rows } = await sql<{ log_id: string; lane: string; vtime: number; busy: number }>`
      SELECT j.log_id::text, j.lane, l.vtime, l.busy_queues AS busy FROM tenantry.lane_jobs j
      JOIN tenantry.lanes l ON l.name = j.lane WHERE j.job_id IS NOT NULL`.execute(tdb.db);
    expect(rows).toHaveLength(1);
    const [job] = rows;
    expect(job!.busy).toBe(1);
    await backlog('slow', 'b', 3);
    await sql`SELECT graphile_worker.complete_jobs(ARRAY(
                SELECT job_id FROM tenantry.lane_jobs WHERE log_id = ${job!.log_id}))`.execute(tdb.db);
    const heldMs = 100 * SLOT_QUANTUM_MS;
    await writeJobLogBatch(tdb.pool, [
      [
        job!.log_id,
        { status: 'completed', finishedAt: new Date(), durationMs: heldMs, heldMs, finishLane: true },
      ],
    ]);
    await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
    const after = await sql<{
      vtime: number;
    }>`SELECT vtime FROM tenantry.lanes WHERE name = ${job!.lane}`.execute(tdb.db);
    // 100 quanta: 99 owed beyond the start, times the two busy queues now, at weight 1.
    expect(after.rows[0]!.vtime - job!.vtime).toBeCloseTo(99 * 2, 6);
  });
});
