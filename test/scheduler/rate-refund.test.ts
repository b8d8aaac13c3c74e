import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob } from '../../src/jobs/control.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { rateUse } from '../../src/jobs/rate-use.ts';
import { registry } from '../../src/tasks/index.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

/**
 * Admitted jobs taken back before any worker fetched them give their rate charge back
 * (migrations/0027). No worker runs here: admission is called by hand, so every admitted job
 * is still in graphile-worker, unfetched. Periods of a minute: nothing ages out meanwhile.
 */
describe('rate charges of jobs taken back', () => {
  let tdb: TestDatabase;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
  });

  const backlog = (tenant: string, count: number, queue = 'default') =>
    dispatchJobs(
      tdb.db,
      tasks,
      Array.from({ length: count }, () => ({ task: 'probe', tenant, queue, payload: { mode: 'ok' } })),
    );
  const admitted = async (tenant: string, queue?: string) =>
    (
      await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM tenantry.lane_jobs
        WHERE lane LIKE ${queue ? `tenant_${tenant}_${queue}` : `tenant_${tenant}_%`} AND job_id IS NOT NULL`.execute(
        tdb.db,
      )
    ).rows[0]!.n;

  it('gives back the charges of the jobs a pause takes back, and a resume admits them again', async () => {
    await createTenantWithSchema(tdb, { id: 'pausing' });
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, concurrency, rate_limit, rate_period_ms)
              VALUES ('pausing', 10, 5, 60000)`.execute(tdb.db);
    await sql`INSERT INTO tenantry.queue_limits (tenant_id, queue, rate_limit, rate_period_ms)
              VALUES ('pausing', 'reports', 4, 60000)`.execute(tdb.db);
    await backlog('pausing', 2);
    await backlog('pausing', 6, 'reports');
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    // The tenant's limit admits 5 in all; the queue's, at most 4 of its 6.
    expect(await admitted('pausing')).toBe(5);
    const reports = await admitted('pausing', 'reports');
    expect(reports).toBeGreaterThan(0);
    expect(reports).toBeLessThanOrEqual(4);
    expect(await rateUse(tdb.db, 'pausing')).toEqual({ tenant: 5, queues: { reports } });

    await sql`UPDATE tenantry.tenant_limits SET paused = true WHERE tenant_id = 'pausing'`.execute(tdb.db);
    expect(await admitted('pausing')).toBe(0);
    expect(await rateUse(tdb.db, 'pausing')).toEqual({ tenant: 0, queues: { reports: 0 } });

    await sql`UPDATE tenantry.tenant_limits SET paused = false WHERE tenant_id = 'pausing'`.execute(tdb.db);
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    expect(await admitted('pausing')).toBe(5);
    expect(await rateUse(tdb.db, 'pausing')).toEqual({
      tenant: 5,
      queues: { reports: await admitted('pausing', 'reports') },
    });
  });

  it('gives back the charge of an admitted job that is cancelled, and the room admits another', async () => {
    await createTenantWithSchema(tdb, { id: 'cancelling' });
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, concurrency, rate_limit, rate_period_ms)
              VALUES ('cancelling', 10, 3, 60000)`.execute(tdb.db);
    const jobs = await backlog('cancelling', 5);
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    expect(await admitted('cancelling')).toBe(3);
    expect((await rateUse(tdb.db, 'cancelling')).tenant).toBe(3);

    const { rows } = await sql<{ log_id: string }>`
      SELECT log_id::text FROM tenantry.lane_jobs WHERE lane = 'tenant_cancelling_default' AND job_id IS NOT NULL
      ORDER BY log_id LIMIT 1`.execute(tdb.db);
    expect(await cancelJob(tdb.db, rows[0]!.log_id)).toEqual({ status: 'cancelled' });
    expect(await admitted('cancelling')).toBe(2);
    expect((await rateUse(tdb.db, 'cancelling')).tenant).toBe(2);

    // The room it gave back admits one more of the waiting jobs, and no more.
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    expect(await admitted('cancelling')).toBe(3);
    expect((await rateUse(tdb.db, 'cancelling')).tenant).toBe(3);
    expect(jobs).toHaveLength(5);
  });
});
