import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob } from '../../src/jobs/control.ts';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { spawnWorker, stopWorker } from '../helpers/processes-worker.ts';
import { createTenantWithSchema, jobLog, waitForStatus } from '../helpers/worker.ts';
import { laneOverlap, starts } from './probe-queries.ts';

const tasks = registry.with([probe]);

/**
 * The scheduler's invariants with two worker processes taking jobs at once. Every backlog is
 * dispatched before the workers start, so the order of starts is the scheduler's alone.
 */
describe('fair scheduler invariants, two worker processes', () => {
  let tdb: TestDatabase;
  const workers: ChildProcess[] = [];
  const logs: Record<string, string[]> = {};

  const dispatch = async (name: string, specs: Array<Partial<DispatchSpec> & { tenant: string }>) => {
    const jobs = await dispatchJobs(
      tdb.db,
      tasks,
      specs.map((s) => ({ task: 'probe', payload: { mode: 'ok' }, ...s })),
    );
    logs[name] = jobs.map((j) => j.id);
    return jobs;
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    for (const id of ['solo', 'duo', 'hol', 'later', 'keyed', 'sleepy', 'metered'])
      await createTenantWithSchema(tdb, { id });
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, concurrency) VALUES ('duo', 2)`.execute(tdb.db);
    await sql`UPDATE tenantry.tenants SET status = 'suspended' WHERE id = 'sleepy'`.execute(tdb.db);
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, concurrency, rate_limit, rate_period_ms)
              VALUES ('metered', 10, 3, 1000)`.execute(tdb.db);

    // Priorities within one lane: lower first, then dispatch order.
    await dispatch(
      'solo',
      [5, 5, 0, 0, -3, 7].map((priority, i) => ({
        tenant: 'solo',
        priority,
        payload: { mode: 'sleep' as const, ms: 30, label: `p${i}` },
      })),
    );
    await dispatch(
      'duo',
      Array.from({ length: 10 }, (_, i) => ({
        tenant: 'duo',
        payload: { mode: 'sleep' as const, ms: 80, label: `d${i}` },
      })),
    );
    // A retry backing off must not hold its lane (cap 1): the job behind it runs meanwhile.
    await dispatch('hol', [
      { tenant: 'hol', payload: { mode: 'fail-once' as const, label: 'retried' } },
      { tenant: 'hol', payload: { mode: 'ok' as const, label: 'behind' } },
    ]);
    await dispatch('later', [
      { tenant: 'later', delayMs: 1500, payload: { mode: 'ok' as const, label: 'delayed' } },
    ]);
    await dispatch('keyed', [
      { tenant: 'keyed', jobKey: 'digest', delayMs: 500, payload: { mode: 'ok' as const, label: 'first' } },
    ]);
    await dispatch('keyed2', [
      { tenant: 'keyed', jobKey: 'digest', delayMs: 500, payload: { mode: 'ok' as const, label: 'second' } },
    ]);
    await dispatch('cancelled', [
      { tenant: 'solo', delayMs: 800, payload: { mode: 'ok' as const, label: 'never' } },
    ]);
    expect(await cancelJob(tdb.db, logs.cancelled![0]!)).toEqual({ status: 'cancelled' });
    await dispatch('sleepy', [{ tenant: 'sleepy', payload: { mode: 'ok' as const, label: 'held' } }]);
    // A rate limit of 3 starts a second over two queues, both workers admitting and starting.
    await dispatch(
      'metered',
      Array.from({ length: 9 }, (_, i) => ({
        tenant: 'metered',
        queue: i % 2 ? 'emails' : 'reports',
        payload: { mode: 'ok' as const, label: `m${i}` },
      })),
    );

    for (let i = 0; i < 2; i++)
      workers.push(
        await spawnWorker({ DATABASE_URL: tdb.url, WORKER_CONCURRENCY: '4', SCHEDULER_BUFFER: '2' }),
      );
    for (const name of ['solo', 'duo', 'hol', 'later', 'keyed2', 'metered'])
      for (const id of logs[name]!) await waitForStatus(tdb.db, id, ['completed'], 30_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopWorker(w, 'SIGKILL')));
    await tdb.close();
  });

  it('never runs more of a lane at once than its cap, cluster-wide, and uses the cap', async () => {
    expect(await laneOverlap(tdb.db, 'solo')).toBe(1);
    expect(await laneOverlap(tdb.db, 'duo')).toBe(2);
  });

  it('holds a rate limit cluster-wide: never more starts in any sliding period than the limit', async () => {
    const { rows } = await sql<{ at: Date }>`
      SELECT started_at AS at FROM tenantry.job_logs WHERE tenant_id = 'metered' ORDER BY started_at`.execute(
      tdb.db,
    );
    const at = rows.map((r) => r.at.getTime());
    expect(at).toHaveLength(9);
    // Any 4 consecutive starts span at least the period.
    for (let i = 0; i + 3 < at.length; i++) expect(at[i + 3]! - at[i]!).toBeGreaterThanOrEqual(1000);
  });

  it('starts a lane’s jobs by priority, then in dispatch order', async () => {
    const labels = (await starts(tdb.db, 'solo')).map((s) => s.label);
    expect(labels).toEqual(['p4', 'p2', 'p3', 'p0', 'p1', 'p5']);
  });

  it('lets the job behind a backing-off retry run first, and runs the retry afterwards', async () => {
    const seen = await starts(tdb.db, 'hol');
    expect(seen.map((s) => `${s.label}@${s.attempt}`)).toEqual(['retried@1', 'behind@1', 'retried@2']);
    expect(await jobLog(tdb.db, logs.hol![0]!)).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('keeps run_at: a delayed job does not start early', async () => {
    const [start] = await starts(tdb.db, 'later');
    const log = await jobLog(tdb.db, logs.later![0]!);
    expect(start!.at.getTime()).toBeGreaterThanOrEqual(log.run_at.getTime());
  });

  it('replaces a pending job with the same key, and never runs a cancelled pending job', async () => {
    expect(await jobLog(tdb.db, logs.keyed![0]!)).toMatchObject({
      status: 'cancelled',
      error_message: `superseded by job log ${logs.keyed2![0]}`,
    });
    expect((await starts(tdb.db, 'keyed')).map((s) => s.label)).toEqual(['second']);
    expect((await jobLog(tdb.db, logs.cancelled![0]!)).status).toBe('cancelled');
    expect((await starts(tdb.db, 'solo')).map((s) => s.label)).not.toContain('never');
  });

  it('holds a suspended tenant’s job, without losing it, until the tenant is active again', async () => {
    expect((await jobLog(tdb.db, logs.sleepy![0]!)).status).toBe('pending');
    expect(await starts(tdb.db, 'sleepy')).toEqual([]);
    await sql`UPDATE tenantry.tenants SET status = 'active' WHERE id = 'sleepy'`.execute(tdb.db);
    await waitForStatus(tdb.db, logs.sleepy![0]!, ['completed'], 15_000);
  });

  it('never starts the same attempt of a job twice', async () => {
    const { rows } = await sql<{ log: string; attempt: number; n: number }>`
      SELECT data->>'log' AS log, (data->>'attempt')::int AS attempt, count(*)::int AS n FROM probe_events
      WHERE data->>'event' = 'start' GROUP BY 1, 2 HAVING count(*) > 1`.execute(tdb.db);
    expect(rows).toEqual([]);
  });

  it('leaves the accounting exact: nothing in flight, no drift to repair', async () => {
    const inflight = await sql<{ n: number }>`SELECT sum(inflight)::int AS n FROM tenantry.lanes`.execute(
      tdb.db,
    );
    expect(inflight.rows[0]?.n).toBe(0);
    const drift = await sql`SELECT * FROM tenantry.reconcile_lanes(false)`.execute(tdb.db);
    expect(drift.rows).toEqual([]);
    const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.lane_jobs`.execute(
      tdb.db,
    );
    expect(waiting.rows[0]?.n).toBe(0);
  });
});
