import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { updateTenantLimits } from '../../src/jobs/tenant-limits.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

/**
 * Workers started with --tenant or --queue take only those jobs (graphile-worker's forbidden
 * flags). Admission's room was shared: with only such workers live, what it admitted for other
 * tenants was never taken and held the room, and the limited worker's own tenant waited; beside
 * a worker taking everything, a busy tenant's backlog filled it and the limited worker idled.
 */
describe('admission with limited workers', () => {
  let tdb: TestDatabase;
  const workers: WorkerService[] = [];

  const dispatch = async (tenant: string, n: number, payload: object = { mode: 'ok' }) =>
    (
      await dispatchJobs(
        tdb.db,
        tasks,
        Array.from({ length: n }, (_, i) => ({
          task: 'probe',
          tenant,
          payload: { ...payload, label: `${tenant}-${i}` },
        })),
      )
    ).map((j) => j.id);
  const admitted = async (tenant: string) => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.lane_jobs j JOIN tenantry.lanes l ON l.name = j.lane
      WHERE l.tenant_id = ${tenant} AND j.job_id IS NOT NULL`.execute(tdb.db);
    return rows[0]!.n;
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
    await createTenantWithSchema(tdb, { id: 'globex' });
    // Enough of globex's jobs at once to fill the room many times over.
    await updateTenantLimits(tdb.db, 'globex', { concurrency: 500 });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await tdb.close();
  });

  it('admits only the lanes a live worker takes, and the others once a worker that takes them is heard from', async () => {
    workers.push(
      await startTestWorker(tdb, { registry: tasks, filter: { tenants: ['acme'] }, concurrency: 2 }),
    );
    const others = await dispatch('globex', 150);
    const [mine] = await dispatch('acme', 1);
    expect((await waitForStatus(tdb.db, mine!, ['completed'], 20_000)).status).toBe('completed');
    expect(await admitted('globex')).toBe(0);

    const general = await startTestWorker(tdb, { registry: tasks, concurrency: 4 });
    for (const id of others) await waitForStatus(tdb.db, id, ['completed'], 60_000);
    await general.stop();
  }, 120_000);

  it('keeps a limited worker going when jobs admitted for others are left by a worker that took everything', async () => {
    const others = await dispatch('globex', 150, { mode: 'sleep', ms: 300 });
    const everything = await startTestWorker(tdb, { registry: tasks, concurrency: 1 });
    await expect.poll(() => admitted('globex'), { timeout: 20_000 }).toBeGreaterThan(20);
    // Gone, and its row with it: what it was admitted stays in graphile-worker, taken by no one.
    await everything.stop();
    const [mine] = await dispatch('acme', 1);
    expect((await waitForStatus(tdb.db, mine!, ['completed'], 20_000)).status).toBe('completed');

    workers.push(await startTestWorker(tdb, { registry: tasks, concurrency: 4 }));
    for (const id of others) await waitForStatus(tdb.db, id, ['completed'], 60_000);
  }, 120_000);

  it('admits nothing for lanes no live worker takes while the limited worker has a backlog', async () => {
    for (const w of workers.splice(0)) await w.stop();
    // acme's cap above the worker's one slot: its admitted jobs wait for it, counted available.
    await updateTenantLimits(tdb.db, 'acme', { concurrency: 50 });
    workers.push(
      await startTestWorker(tdb, { registry: tasks, filter: { tenants: ['acme'] }, concurrency: 1 }),
    );
    const mine = await dispatch('acme', 40, { mode: 'sleep', ms: 100 });
    const others = await dispatch('globex', 40);
    // acme's admitted jobs waiting for the one slot: the limited room's own, not room for others.
    await expect.poll(() => admitted('acme'), { timeout: 20_000 }).toBeGreaterThan(2);
    for (let pass = 0; pass < 5; pass++) await sql`SELECT tenantry.admit(0)`.execute(tdb.db);
    expect(await admitted('globex')).toBe(0);
    for (const id of mine) await waitForStatus(tdb.db, id, ['completed'], 60_000);
    expect(await admitted('globex')).toBe(0);
    workers.push(await startTestWorker(tdb, { registry: tasks, concurrency: 4 }));
    for (const id of others) await waitForStatus(tdb.db, id, ['completed'], 60_000);
  }, 120_000);

  it('gives a dedicated worker beside one that takes everything a room of its own', async () => {
    for (const w of workers.splice(0)) await w.stop();
    // One slot for everything, held by globex's long jobs, and more of them waiting than both
    // workers' rooms hold (20 + 80): one room for all filled with globex's jobs, and acme's
    // waited for them to end (a minute each) while its own worker sat idle.
    workers.push(await startTestWorker(tdb, { registry: tasks, concurrency: 1 }));
    await dispatch('globex', 150, { mode: 'sleep', ms: 60_000 });
    workers.push(
      await startTestWorker(tdb, { registry: tasks, filter: { tenants: ['acme'] }, concurrency: 4 }),
    );
    await expect.poll(() => admitted('globex'), { timeout: 20_000 }).toBeGreaterThan(10);
    const mine = await dispatch('acme', 300);
    for (const id of mine) await waitForStatus(tdb.db, id, ['completed'], 40_000);
  }, 120_000);
});
