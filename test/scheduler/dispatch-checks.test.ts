import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * job_logs -> tenants and lane_jobs -> lanes are checked once per statement instead of by
 * foreign keys (migrations/0013): the same refusals, the same cascade on delete.
 */
describe('dispatch integrity checks', () => {
  let tdb: TestDatabase;
  const n = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(tdb.db)).rows[0]!.n;
  const logsOf = (id: string) =>
    n(sql`SELECT count(*)::int AS n FROM tenantry.job_logs WHERE tenant_id = ${id}`);
  const lanesOf = (id: string) =>
    n(sql`SELECT count(*)::int AS n FROM tenantry.lanes WHERE tenant_id = ${id}`);
  const waiting = (lane: string) =>
    n(sql`SELECT count(*)::int AS n FROM tenantry.lane_jobs WHERE lane = ${lane}`);
  const tenant = (id: string) =>
    sql`INSERT INTO tenantry.tenants (id, name) VALUES (${id}, ${id})`.execute(tdb.db);
  const many = (tenants: string[]) =>
    tenants.map((t) => ({ task: 'queue-gc', payload: {}, tenant: t }) as const);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await tenant('keep');
    await tenant('drop');
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('refuses a batch naming one missing tenant among many, and writes none of it', async () => {
    const before = await logsOf('keep');
    await expect(
      dispatchJobs(tdb.db, registry, many(['keep', 'keep', 'ghost', 'keep'])),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await logsOf('keep')).toBe(before);
  });

  it('refuses job logs and lane jobs that point nowhere, with the foreign-key error and name', async () => {
    const logs = sql`INSERT INTO tenantry.job_logs (tenant_id, task, max_attempts)
                     VALUES ('keep', 't', 1), ('nobody', 't', 1)`.execute(tdb.db);
    await expect(logs).rejects.toMatchObject({ code: '23503', constraint: 'job_logs_tenant_id_fkey' });
    const lanes = sql`INSERT INTO tenantry.lane_jobs (log_id, lane, priority, run_at)
                      VALUES (-1, 'tenant_nobody_default', 0, now())`.execute(tdb.db);
    await expect(lanes).rejects.toMatchObject({ code: '23503', constraint: 'lane_jobs_lane_fkey' });
    await dispatchJobs(tdb.db, registry, many(['keep']));
    const moved = sql`UPDATE tenantry.job_logs SET tenant_id = 'drop' WHERE tenant_id = 'keep'`.execute(
      tdb.db,
    );
    await expect(moved).rejects.toMatchObject({ code: '23503' });
  });

  it('takes an absent run_at as now and an absent meta as {}', async () => {
    const [job] = await dispatchJobs(tdb.db, registry, many(['keep']));
    const { rows } = await sql<{ meta: unknown; fresh: boolean }>`
      SELECT meta, run_at BETWEEN now() - interval '1 minute' AND now() AS fresh
      FROM tenantry.job_logs WHERE id = ${job!.id}`.execute(tdb.db);
    expect(rows[0]).toEqual({ meta: {}, fresh: true });
    expect(job!.runAt).toBeInstanceOf(Date);
  });

  it('deletes a deleted tenant’s job logs, lanes and waiting jobs, and only its own', async () => {
    await sql`UPDATE tenantry.tenants SET status = 'suspended' WHERE id IN ('keep', 'drop')`.execute(tdb.db);
    await dispatchJobs(tdb.db, registry, many(['keep', 'drop', 'drop', 'keep']));
    const keepLogs = await logsOf('keep');
    const keepWaiting = await waiting('tenant_keep_default');
    expect(await waiting('tenant_drop_default')).toBe(2);

    await sql`INSERT INTO tenantry.lane_releases (lane, n) VALUES ('tenant_drop_default', 1)`.execute(tdb.db);
    await sql`DELETE FROM tenantry.tenants WHERE id = 'drop'`.execute(tdb.db);
    expect(
      await n(sql`SELECT count(*)::int AS n FROM tenantry.lane_releases WHERE lane = 'tenant_drop_default'`),
    ).toBe(0);
    expect(await logsOf('drop')).toBe(0);
    expect(await lanesOf('drop')).toBe(0);
    expect(await waiting('tenant_drop_default')).toBe(0);
    expect(await logsOf('keep')).toBe(keepLogs);
    expect(await waiting('tenant_keep_default')).toBe(keepWaiting);
    expect(keepWaiting).toBeGreaterThanOrEqual(2);
  });
});
