import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { SLOT_QUANTUM_MS, writeJobLogBatch } from '../../src/jobs/log-batch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * Long attempts pay for their slot time (migrations/0014): an attempt costs one start, or its
 * slot time in 10 ms quanta when longer, charged to its lane's virtual time when it ends.
 */
describe('slot-time charge', () => {
  let tdb: TestDatabase;
  const lane = (id: string) => `tenant_${id}_default`;
  const vtime = async (id: string) =>
    (await sql<{ vtime: number }>`SELECT vtime FROM tenantry.lanes WHERE name = ${lane(id)}`.execute(tdb.db))
      .rows[0]!.vtime;
  const dispatch = (id: string, n: number) =>
    dispatchJobs(
      tdb.db,
      registry,
      Array.from({ length: n }, () => ({ task: 'queue-gc', payload: {}, tenant: id })),
    );
  /** One admission pass with room for `n` jobs; the log ids it admitted. */
  const admit = async (n: number) => {
    await sql`SELECT tenantry.try_admit(${n}::int)`.execute(tdb.db);
    const { rows } = await sql<{ log_id: string; lane: string }>`
      SELECT log_id::text, lane FROM tenantry.lane_jobs WHERE job_id IS NOT NULL ORDER BY log_id`.execute(
      tdb.db,
    );
    return rows;
  };
  /** The admitted job ends (completed) after holding its slot `heldMs`. */
  const finish = async (logId: string, heldMs: number) => {
    await sql`SELECT graphile_worker.complete_jobs(ARRAY(
                SELECT job_id FROM tenantry.lane_jobs WHERE log_id = ${logId}))`.execute(tdb.db);
    await writeJobLogBatch(tdb.pool, [
      [logId, { status: 'completed', finishedAt: new Date(), durationMs: heldMs, heldMs, finishLane: true }],
    ]);
    await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['slow', 'fast'], 1);
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, weight) VALUES ('slow', 2)`.execute(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('charges a long attempt its quanta beyond the first, over its weight; a short one nothing more', async () => {
    await dispatch('slow', 3);
    const [first] = await admit(1);
    const admitted = await vtime('slow');
    await finish(first!.log_id, 2000);
    // 2,000 ms = 200 quanta: 199 owed beyond the start already counted, at weight 2.
    expect((await vtime('slow')) - admitted).toBeCloseTo(199 / 2, 6);

    const [second] = await admit(1);
    const before = await vtime('slow');
    await finish(second!.log_id, 7);
    expect(await vtime('slow')).toBe(before);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.lane_releases`.execute(
      tdb.db,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('serves a lane whose attempts were short ahead of one whose attempt held its slot long', async () => {
    // The first test's lane stays out of the way.
    await sql`UPDATE tenantry.tenant_limits SET paused = true WHERE tenant_id = 'slow'`.execute(tdb.db);
    await insertTenants(tdb.db, ['long', 'short'], 1);
    await dispatchJobs(
      tdb.db,
      registry,
      ['long', 'short', 'long', 'short', 'long', 'short'].map((t) => ({
        task: 'queue-gc',
        payload: {},
        tenant: t,
      })),
    );
    const both = (await admit(2)).filter((r) => r.lane === lane('long') || r.lane === lane('short'));
    expect(both.map((r) => r.lane).sort()).toEqual([lane('long'), lane('short')]);
    for (const r of both) await finish(r.log_id, r.lane === lane('long') ? 500 : 5);
    // Without the charge the two lanes would now alternate; long owes 49 starts.
    const order: string[] = [];
    for (let i = 0; i < 2; i++) {
      const [next] = await admit(1);
      order.push(next!.lane);
      await finish(next!.log_id, 5);
    }
    expect(order).toEqual([lane('short'), lane('short')]);
    const [last] = await admit(1);
    expect(last!.lane).toBe(lane('long'));
  });

  it('uses the quantum the workers compute their late charges with', async () => {
    const { rows } = await sql<{ q: number }>`SELECT tenantry.slot_quantum_ms() AS q`.execute(tdb.db);
    expect(rows[0]!.q).toBe(SLOT_QUANTUM_MS);
  });

  it('charges slot time sent on its own after a write without touching the log row', async () => {
    // A failed attempt's write held its slot 40 ms after the outcome was queued: the worker
    // sends quantum + 40 ms, charged as 4 quanta (migrations/0022).
    await sql`UPDATE tenantry.tenant_limits SET paused = false WHERE tenant_id = 'slow'`.execute(tdb.db);
    await insertTenants(tdb.db, ['late'], 1);
    await dispatch('late', 1);
    const [job] = (await admit(5)).filter((r) => r.lane === lane('late'));
    await finish(job!.log_id, 3);
    const row = async () =>
      (
        await sql<{ xmin: string; status: string }>`
          SELECT xmin::text, status FROM tenantry.job_logs WHERE id = ${job!.log_id}`.execute(tdb.db)
      ).rows[0]!;
    const before = { vtime: await vtime('late'), row: await row() };
    await writeJobLogBatch(tdb.pool, [[job!.log_id, { heldMs: SLOT_QUANTUM_MS + 40 }]]);
    await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
    expect((await vtime('late')) - before.vtime).toBeCloseTo(4, 6);
    expect(await row()).toEqual(before.row);
  });
});
