import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

describe('lane accounting reconcile', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
  });
  afterAll(async () => {
    await tdb.close();
  });

  const reconcile = async (repair: boolean) =>
    (
      await sql<{ lane: string; recorded: number; actual: number; vanished: number }>`
        SELECT * FROM tenantry.reconcile_lanes(${repair})`.execute(tdb.db)
    ).rows;

  it('reports a lane whose count drifted, repairs it, and then finds nothing', async () => {
    await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'acme', payload: { mode: 'ok' }, delayMs: 600_000 },
    ]);
    await sql`UPDATE tenantry.lanes SET inflight = 3 WHERE name = 'tenant_acme_default'`.execute(tdb.db);
    const drift = [{ lane: 'tenant_acme_default', recorded: 3, actual: 0, vanished: 0 }];
    expect(await reconcile(false)).toEqual(drift);
    expect(await reconcile(false)).toEqual(drift);
    expect(await reconcile(true)).toEqual(drift);
    expect(await reconcile(true)).toEqual([]);
  });

  it('unblocks a lane a drifted count had filled: the worker’s reconcile repairs it and the job runs', async () => {
    await sql`UPDATE tenantry.lanes SET inflight = 1 WHERE name = 'tenant_acme_default'`.execute(tdb.db);
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'acme', payload: { mode: 'ok' } },
    ]);
    const worker = await startTestWorker(tdb, { registry: tasks, env: { RECONCILE_INTERVAL_MS: '1000' } });
    try {
      await waitForStatus(tdb.db, job!.id, ['completed'], 20_000);
    } finally {
      await worker.stop();
    }
    const lane = await sql<{ inflight: number }>`
      SELECT inflight - (SELECT coalesce(sum(n), 0) FROM tenantry.lane_releases WHERE lane = name) AS inflight
      FROM tenantry.lanes WHERE name = 'tenant_acme_default'`.execute(tdb.db);
    expect(Number(lane.rows[0]?.inflight)).toBe(0);
  });

  it('wakes a lane whose due time no longer covered its waiting job: the job runs', async () => {
    await createTenantWithSchema(tdb, { id: 'asleep' });
    // No worker yet: the job waits; then its lane loses its due time (as a defect would leave it).
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'asleep', payload: { mode: 'ok' } },
    ]);
    await sql`UPDATE tenantry.lanes SET due = NULL WHERE name = 'tenant_asleep_default'`.execute(tdb.db);
    const worker = await startTestWorker(tdb, { registry: tasks, env: { RECONCILE_INTERVAL_MS: '1000' } });
    try {
      await waitForStatus(tdb.db, job!.id, ['completed'], 20_000);
    } finally {
      await worker.stop();
    }
  });
});
