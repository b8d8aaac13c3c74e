import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';
import { laneOverlap, starts } from './probe-queries.ts';

const tasks = registry.with([probe]);

/**
 * Fair share when tenants compete for worker slots. Backlogs are dispatched before the worker
 * starts and SCHEDULER_BUFFER is 1, so admission decides the order of starts; assertions count
 * starts, they do not time them.
 */
describe('fair share', () => {
  let tdb: TestDatabase;
  let worker: WorkerService | undefined;

  const backlog = (tenant: string, count: number, ms = 15, queue?: string) =>
    dispatchJobs(
      tdb.db,
      tasks,
      Array.from(
        { length: count },
        (): DispatchSpec => ({
          task: 'probe',
          tenant,
          ...(queue ? { queue } : {}),
          payload: { mode: 'sleep', ms, label: tenant },
        }),
      ),
    );
  const limits = (
    tenant: string,
    values: { concurrency?: number; weight?: number; rate?: [number, number] },
  ) =>
    sql`INSERT INTO tenantry.tenant_limits (tenant_id, concurrency, weight, rate_limit, rate_period_ms)
        VALUES (${tenant}, ${values.concurrency ?? null}, ${values.weight ?? null},
                ${values.rate?.[0] ?? null}, ${values.rate?.[1] ?? null})`.execute(tdb.db);
  const work = (concurrency: number) =>
    startTestWorker(tdb, { registry: tasks, concurrency, env: { SCHEDULER_BUFFER: '1' } });

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('shares starts by weight (1:1:2) among tenants that all have a backlog', async () => {
    for (const [id, weight] of [
      ['wa', 1],
      ['wb', 1],
      ['wc', 2],
    ] as const) {
      await createTenantWithSchema(tdb, { id });
      await limits(id, { concurrency: 50, weight });
    }
    const jobs = [
      ...(await backlog('wa', 120)),
      ...(await backlog('wb', 120)),
      ...(await backlog('wc', 160)),
    ];
    worker = await work(4);
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed'], 60_000);
    const { rows } = await sql<{ tenant: string }>`
      SELECT data->>'tenant' AS tenant FROM probe_events
      WHERE data->>'event' = 'start' AND data->>'tenant' IN ('wa', 'wb', 'wc') ORDER BY at, id LIMIT 240`.execute(
      tdb.db,
    );
    expect(rows).toHaveLength(240);
    const count = (t: string) => rows.filter((r) => r.tenant === t).length;
    // While all three have work (the first 240 starts: wc, with twice the weight, has 160 jobs):
    // 25 / 25 / 50 of the starts, within 10% of each target, counted in whole starts (60 ± 6,
    // 60 ± 6, 120 ± 12). The jobs in flight where the count stops shift a few starts between
    // tenants whatever the sample (4 of 30 on a loaded machine, over 120 starts): the sample is
    // large enough that this edge stays inside the bound.
    expect(Math.abs(count('wa') - 60)).toBeLessThanOrEqual(6);
    expect(Math.abs(count('wb') - 60)).toBeLessThanOrEqual(6);
    expect(Math.abs(count('wc') - 120)).toBeLessThanOrEqual(12);
  });

  it('shares starts per tenant, not per queue: three busy queues against one', async () => {
    for (const id of ['wide', 'single']) {
      await createTenantWithSchema(tdb, { id });
      await limits(id, { concurrency: 50 });
    }
    const jobs = [
      ...(await backlog('wide', 70, 15, 'x')),
      ...(await backlog('wide', 70, 15, 'y')),
      ...(await backlog('wide', 70, 15, 'z')),
      ...(await backlog('single', 210)),
    ];
    worker = await work(4);
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed'], 60_000);
    const { rows } = await sql<{ tenant: string }>`
      SELECT data->>'tenant' AS tenant FROM probe_events
      WHERE data->>'event' = 'start' AND data->>'tenant' IN ('wide', 'single') ORDER BY at, id LIMIT 200`.execute(
      tdb.db,
    );
    expect(rows).toHaveLength(200);
    const wide = rows.filter((r) => r.tenant === 'wide').length;
    // Equal weights: 100 / 100 within 10% while both have work (by queue it would be 150 / 50).
    expect(Math.abs(wide - 100)).toBeLessThanOrEqual(10);
  });

  it('serves a tenant that was idle ahead of one that has been busy (not first come, first served)', async () => {
    await createTenantWithSchema(tdb, { id: 'hog' });
    await createTenantWithSchema(tdb, { id: 'quiet' });
    await limits('hog', { concurrency: 50 });
    const hogJobs = await backlog('hog', 200);
    worker = await work(4);
    await expect
      .poll(async () => (await starts(tdb.db, 'hog')).length, { timeout: 30_000 })
      .toBeGreaterThan(40);
    const quiet = await backlog('quiet', 3, 1);
    for (const job of quiet) await waitForStatus(tdb.db, job.id, ['completed'], 30_000);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM probe_events h
      WHERE h.data->>'event' = 'start' AND h.data->>'tenant' = 'hog'
        AND h.at > (SELECT min(created_at) FROM tenantry.job_logs WHERE tenant_id = 'quiet')
        AND h.at < (SELECT min(at) FROM probe_events WHERE data->>'event' = 'start' AND data->>'tenant' = 'quiet')`.execute(
      tdb.db,
    );
    // Only what was already admitted or fetched (a few rounds of 4 slots; concurrent admission
    // passes may each fill the room) starts before the quiet tenant's first job; first come,
    // first served would start the hog's ~150 waiting jobs.
    expect(rows[0]?.n).toBeLessThanOrEqual(24);
    const left = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.job_logs WHERE tenant_id = 'hog' AND status = 'pending'`.execute(
      tdb.db,
    );
    expect(left.rows[0]?.n).toBeGreaterThan(50);
    await worker.stop();
    worker = undefined;
    await sql`DELETE FROM tenantry.tenants WHERE id = 'hog'`.execute(tdb.db);
    expect(hogJobs.length).toBe(200);
  });

  it('lets a lone busy tenant use every slot its cap allows, and no more', async () => {
    await createTenantWithSchema(tdb, { id: 'lone' });
    await limits('lone', { concurrency: 3 });
    const jobs = await backlog('lone', 24, 120);
    worker = await work(8);
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed'], 30_000);
    expect(await laneOverlap(tdb.db, 'lone')).toBe(3);
  });

  it("moves a late start's charge from its admission's slice to its start's, through the worker's gate", async () => {
    await createTenantWithSchema(tdb, { id: 'late' });
    await limits('late', { concurrency: 20, rate: [5, 1000] });
    const jobs = await backlog('late', 3, 1);
    // Admitted with no worker running; they start well after their charge stopped standing for
    // a start (the end of the pass's 62 ms slice and a 62 ms grace).
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    const { rows: admitted } = await sql<{ until: string }>`
      SELECT DISTINCT payload->>'rated_until' AS until FROM graphile_worker._private_jobs
      WHERE payload->>'tenant' = 'late'`.execute(tdb.db);
    expect(admitted).toHaveLength(1);
    const admissionSlice = Number(admitted[0]!.until) - 62;
    await new Promise((resolve) => setTimeout(resolve, 300));
    worker = await work(4);
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed'], 30_000);
    const { rows } = await sql<{ ends: string[]; counts: number[] }>`
      SELECT ends, counts FROM tenantry.rate_windows WHERE tenant_id = 'late' AND scope = ''`.execute(tdb.db);
    const slices = rows[0]!.ends.map((end, i) => ({ end: Number(end), count: rows[0]!.counts[i]! }));
    // Three charges in all, none left in the admission's slice: each moved to its start's.
    expect(slices.reduce((n, s) => n + s.count, 0)).toBe(3);
    expect(slices.find((s) => s.end === admissionSlice)?.count).toBe(0);
    expect(slices.filter((s) => s.end > admissionSlice + 62).reduce((n, s) => n + s.count, 0)).toBe(3);
  });

  it('holds a rate-limited tenant’s excess jobs until its window refills, losing none', async () => {
    await createTenantWithSchema(tdb, { id: 'metered' });
    await limits('metered', { concurrency: 20, rate: [5, 1000] });
    const jobs = await backlog('metered', 15, 1);
    worker = await work(8);
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed'], 30_000);
    const at = (await starts(tdb.db, 'metered')).map((s) => s.at.getTime());
    expect(at).toHaveLength(15);
    // No more than 5 starts (job_logs.started_at, the time the start gate counts) in any 1 s.
    for (let i = 0; i + 5 < at.length; i++) expect(at[i + 5]! - at[i]!).toBeGreaterThanOrEqual(1000);
    const lane = await sql<{ used: number; slices: number }>`
      SELECT tenantry.rate_used(ends, counts, 0) AS used, cardinality(ends) AS slices
      FROM tenantry.rate_windows WHERE tenant_id = 'metered' AND scope = ''`.execute(tdb.db);
    // Only slices of the last two periods are kept (16 a period), each counting the charges made in it.
    expect(lane.rows[0]!.slices).toBeGreaterThan(0);
    expect(lane.rows[0]!.slices).toBeLessThanOrEqual(34);
    expect(lane.rows[0]!.used).toBeLessThanOrEqual(15);
  });

  it("holds a tenant's rate limit over all its queues together", async () => {
    await createTenantWithSchema(tdb, { id: 'spread' });
    await limits('spread', { concurrency: 20, rate: [4, 1000] });
    const jobs = [
      ...(await backlog('spread', 8, 1, 'emails')),
      ...(await backlog('spread', 8, 1, 'reports')),
    ];
    worker = await work(8);
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed'], 30_000);
    const { rows } = await sql<{ queue: string; at: Date }>`
      SELECT queue, started_at AS at FROM tenantry.job_logs WHERE tenant_id = 'spread' ORDER BY started_at`.execute(
      tdb.db,
    );
    expect(rows).toHaveLength(16);
    expect(new Set(rows.map((r) => r.queue))).toEqual(new Set(['emails', 'reports']));
    // At most 4 starts of the tenant, whichever queue, in any 1 s (job_logs.started_at is what
    // the start gate counts): one limit, not one per queue.
    const at = rows.map((r) => r.at.getTime());
    for (let i = 0; i + 4 < at.length; i++) expect(at[i + 4]! - at[i]!).toBeGreaterThanOrEqual(1000);
  });

  it("holds one queue to its own rate limit while the tenant's other queue runs free", async () => {
    await createTenantWithSchema(tdb, { id: 'split' });
    await limits('split', { concurrency: 20 });
    await sql`INSERT INTO tenantry.queue_limits (tenant_id, queue, rate_limit, rate_period_ms)
              VALUES ('split', 'slow', 2, 1000)`.execute(tdb.db);
    const jobs = [...(await backlog('split', 6, 1, 'slow')), ...(await backlog('split', 6, 1, 'fast'))];
    worker = await work(8);
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed'], 30_000);
    const { rows } = await sql<{ queue: string; at: Date }>`
      SELECT queue, started_at AS at FROM tenantry.job_logs WHERE tenant_id = 'split' ORDER BY started_at`.execute(
      tdb.db,
    );
    const at = (queue: string) => rows.filter((r) => r.queue === queue).map((r) => r.at.getTime());
    const slow = at('slow');
    expect(slow).toHaveLength(6);
    for (let i = 0; i + 2 < slow.length; i++) expect(slow[i + 2]! - slow[i]!).toBeGreaterThanOrEqual(1000);
    // The fast queue is not held by the slow one's limit: all six start before the slow queue's third.
    const fast = at('fast');
    expect(fast).toHaveLength(6);
    expect(Math.max(...fast)).toBeLessThan(slow[2]!);
  });
});
