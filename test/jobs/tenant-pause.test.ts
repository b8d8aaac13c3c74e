import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionShares } from '../../src/insights/admission-shares.ts';
import { queueRows } from '../../src/insights/queues.ts';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { pauseTenant, resumeTenant, updateTenantLimits } from '../../src/jobs/tenant-limits.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

/** Pausing a tenant or one of its queues, with a worker running: nothing new starts until resumed. */
describe('pause and resume with a running worker', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;

  const dispatch = async (tenant: string, n: number, spec: Partial<DispatchSpec> = {}) =>
    (
      await dispatchJobs(
        tdb.db,
        tasks,
        Array.from({ length: n }, (_, i) => ({
          task: 'probe',
          tenant,
          payload: { mode: 'ok' as const, label: `${tenant}-${spec.queue ?? 'default'}-${i}` },
          ...spec,
        })),
      )
    ).map((j) => j.id);
  const statuses = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await jobLog(tdb.db, id)).status));
  /** The lane's jobs in flight: its count less the releases not folded in yet, and its admitted rows. */
  const inflight = async (tenant: string, queue = 'default') => {
    const { rows } = await sql<{ counted: number; admitted: number }>`
      SELECT l.inflight - coalesce((SELECT sum(n) FROM tenantry.lane_releases r WHERE r.lane = l.name), 0)::int
               AS counted,
             (SELECT count(*) FROM tenantry.lane_jobs j WHERE j.lane = l.name AND j.job_id IS NOT NULL)::int
               AS admitted
      FROM tenantry.lanes l WHERE l.name = ${`tenant_${tenant}_${queue}`}`.execute(tdb.db);
    expect(rows[0]!.counted).toBe(rows[0]!.admitted);
    return rows[0]!.admitted;
  };
  const startsOf = async (ids: string[]) =>
    (
      await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM probe_events WHERE data->>'event' = 'start' AND data->>'log' = ANY(${ids})`.execute(
        tdb.db,
      )
    ).rows[0]!.n;
  /** Another tenant's job completing proves the worker takes jobs while the paused ones wait. */
  const otherCompletes = async () => {
    const [id] = await dispatch('other', 1);
    await waitForStatus(tdb.db, id!, ['completed']);
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
    await createTenantWithSchema(tdb, { id: 'other' });
    await updateTenantLimits(tdb.db, 'acme', { concurrency: 3 });
    worker = await startTestWorker(tdb, { registry: tasks, concurrency: 4 });
  });
  afterAll(async () => {
    await worker.stop();
    await tdb.close();
  });

  it('starts nothing of a paused tenant and runs all of it after resume', async () => {
    const shares = new AdmissionShares();
    await pauseTenant(tdb.db, 'acme');
    const ids = await dispatch('acme', 6);
    expect(await shares.observe(tdb.db)).toBeUndefined();
    await otherCompletes();
    await sleep(600);
    expect(await statuses(ids)).toEqual(ids.map(() => 'pending'));
    expect(await inflight('acme')).toBe(0);
    expect(await startsOf(ids)).toBe(0);

    await resumeTenant(tdb.db, 'acme');
    for (const id of ids) await waitForStatus(tdb.db, id, ['completed']);
    expect(await inflight('acme')).toBe(0);

    // Admissions since the baseline: acme 6, other 1.
    const view = await shares.observe(tdb.db);
    const rows = await queueRows(tdb.db, undefined, view);
    const share = (tenant: string) =>
      rows.find((r) => r.tenant === tenant && r.queue === 'default')?.fair_share;
    expect(share('acme')).toBeCloseTo(6 / 7, 5);
    expect(share('other')).toBeCloseTo(1 / 7, 5);
    // What a tenant key sees: shares of its own admissions, which tell nothing of the others' load.
    const own = await queueRows(tdb.db, 'other', view, 'other');
    expect(own.find((r) => r.queue === 'default')?.fair_share).toBe(1);
  });

  it('lets running jobs finish when paused, and holds the ones behind them', async () => {
    await updateTenantLimits(tdb.db, 'acme', { concurrency: 1 });
    const [running, ...behind] = await dispatch('acme', 1, {
      payload: { mode: 'sleep', ms: 800, label: 'long' },
    });
    behind.push(...(await dispatch('acme', 2)));
    await waitForStatus(tdb.db, running!, ['running']);
    await pauseTenant(tdb.db, 'acme');
    await waitForStatus(tdb.db, running!, ['completed']);
    await otherCompletes();
    await sleep(400);
    expect(await statuses(behind)).toEqual(['pending', 'pending']);
    expect(await inflight('acme')).toBe(0);

    await resumeTenant(tdb.db, 'acme');
    for (const id of behind) await waitForStatus(tdb.db, id, ['completed']);
    await updateTenantLimits(tdb.db, 'acme', { concurrency: 3 });
  });

  it('pauses one queue only: the tenant’s other queues run', async () => {
    await pauseTenant(tdb.db, 'acme', 'reports');
    const reports = await dispatch('acme', 3, { queue: 'reports' });
    const regular = await dispatch('acme', 3);
    for (const id of regular) await waitForStatus(tdb.db, id, ['completed']);
    await sleep(400);
    expect(await statuses(reports)).toEqual(['pending', 'pending', 'pending']);
    expect(await inflight('acme', 'reports')).toBe(0);
    expect(await startsOf(reports)).toBe(0);

    // Resuming the whole tenant does not lift a queue's own pause.
    await resumeTenant(tdb.db, 'acme');
    await sleep(400);
    expect(await startsOf(reports)).toBe(0);

    await resumeTenant(tdb.db, 'acme', 'reports');
    for (const id of reports) await waitForStatus(tdb.db, id, ['completed']);
    const { rows } = await sql<{ lane: string; recorded: number }>`
      SELECT lane, recorded FROM tenantry.reconcile_lanes(false)`.execute(tdb.db);
    expect(rows).toEqual([]);
  });
});
