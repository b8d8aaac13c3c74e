import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { JobLogWriter } from '../../src/jobs/log-writer.ts';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';
import { rescueDeadWorkers } from '../../src/worker/heartbeat.ts';
import { settleOrphanedLogs } from '../../src/worker/orphans.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);
const silent = createLogger('silent', false);

describe('job completion', () => {
  let tdb: TestDatabase;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
  });
  afterAll(async () => {
    await tdb.close();
  });

  const dispatch = (count: number, spec: Partial<DispatchSpec> = {}) =>
    dispatchJobs(
      tdb.db,
      tasks,
      Array.from({ length: count }, () => ({
        task: 'probe',
        tenant: 'acme',
        payload: { mode: 'ok' },
        ...spec,
      })),
    );
  const graphileJobCount = async (ids: string[]) =>
    (
      await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE id = ANY(${ids}::bigint[])`.execute(tdb.db)
    ).rows[0]!.n;

  /** Admits the jobs (no worker runs here) and returns their graphile-worker job ids. */
  const admit = async (logIds: string[]) => {
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    const ids: string[] = [];
    for (const id of logIds) ids.push((await laneJob(id))!.job_id!);
    return ids;
  };
  const laneJob = async (logId: string) =>
    (
      await sql<{ job_id: string | null; attempts: number }>`
        SELECT job_id, attempts FROM tenantry.lane_jobs WHERE log_id = ${logId}`.execute(tdb.db)
    ).rows[0];
  /** Slots taken: inflight less the releases admission has not folded in yet. */
  const inflight = async () =>
    Number(
      (
        await sql<{ n: string }>`
          SELECT (SELECT coalesce(sum(inflight), 0) FROM tenantry.lanes)
               - (SELECT coalesce(sum(n), 0) FROM tenantry.lane_releases) AS n`.execute(tdb.db)
      ).rows[0]!.n,
    );

  const reconcile = async () =>
    (await sql`SELECT lane, vanished FROM tenantry.reconcile_lanes(true)`.execute(tdb.db)).rows;

  it('runs a one-lane backlog back to back, without waiting for a poll between jobs', async () => {
    const jobs = await dispatch(15);
    expect(new Set(jobs.map((j) => j.lane)).size).toBe(1);
    // With a 10-minute poll, a lane left for the poll to find would not drain within the test.
    const worker = await startTestWorker(tdb, { registry: tasks, concurrency: 4, pollIntervalMs: 600_000 });
    try {
      for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed']);
    } finally {
      await worker.stop();
    }
    const left =
      await sql`SELECT 1 FROM tenantry.lane_jobs WHERE log_id = ANY(${jobs.map((j) => j.id)}::bigint[])`.execute(
        tdb.db,
      );
    expect(left.rows).toEqual([]);
    expect(await inflight()).toBe(0);
  });

  it('settles an open log whose job is gone as completed, and leaves every other log alone', async () => {
    await sql`UPDATE tenantry.tenants SET concurrency = 3 WHERE id = 'acme'`.execute(tdb.db);
    const [lost, queued, cancelled] = await dispatch(3);
    const [lostJob, queuedJob, cancelledJob] = await admit([lost!.id, queued!.id, cancelled!.id]);
    expect(await inflight()).toBe(3);
    // What a worker that died right after graphile-worker completed the job leaves behind.
    await sql`DELETE FROM graphile_worker._private_jobs WHERE id IN (${lostJob}, ${cancelledJob})`.execute(
      tdb.db,
    );
    await tdb.db
      .updateTable('tenantry.job_logs')
      .set({ status: 'cancelled' })
      .where('id', '=', cancelled!.id)
      .execute();

    expect(await settleOrphanedLogs(tdb.db)).toEqual([lost!.id]);
    expect(await jobLog(tdb.db, lost!.id)).toMatchObject({ status: 'completed', progress: 100 });
    expect((await jobLog(tdb.db, lost!.id)).finished_at).toBeInstanceOf(Date);
    expect((await jobLog(tdb.db, queued!.id)).status).toBe('pending');
    expect((await jobLog(tdb.db, cancelled!.id)).status).toBe('cancelled');
    // The settled job's slot is free; the cancelled one's is found by the reconcile.
    expect(await laneJob(lost!.id)).toBeUndefined();
    const drift = await sql<{ lane: string; vanished: number }>`
      SELECT lane, vanished FROM tenantry.reconcile_lanes(true)`.execute(tdb.db);
    expect(drift.rows).toEqual([{ lane: 'tenant_acme_default', vanished: 1 }]);
    expect(await inflight()).toBe(1);
    // A vanished job whose log is still open is left to the dead-worker rescue (orphans.ts).
    await sql`SELECT graphile_worker.complete_jobs(ARRAY[${queuedJob}]::bigint[])`.execute(tdb.db);
    expect(await reconcile()).toEqual([]);
    expect(await settleOrphanedLogs(tdb.db)).toEqual([queued!.id]);
    expect(await inflight()).toBe(0);
  });

  it('fails a dead worker’s job that was on its last attempt, and puts one that was not back in its lane', async () => {
    const [last, early] = await dispatch(2, { maxAttempts: 2 });
    const [lastJob, earlyJob] = await admit([last!.id, early!.id]);
    await sql`
      UPDATE graphile_worker._private_jobs
      SET locked_by = 'dead-worker', locked_at = now() - interval '1 hour',
          attempts = CASE WHEN id = ${lastJob} THEN 2 ELSE 1 END
      WHERE id IN (${lastJob}, ${earlyJob})`.execute(tdb.db);

    expect(await rescueDeadWorkers(tdb.db, 60_000, silent)).toEqual(['dead-worker']);
    expect(await jobLog(tdb.db, last!.id)).toMatchObject({
      status: 'failed',
      error_message: expect.stringContaining('last attempt'),
    });
    expect(await jobLog(tdb.db, early!.id)).toMatchObject({
      status: 'pending',
      error_message: expect.stringContaining('released for retry'),
    });
    // Neither stays in graphile-worker: the failed one is over, the other waits in its lane
    // with its attempt counted, and no slot stays taken.
    expect(await graphileJobCount([lastJob!, earlyJob!])).toBe(0);
    expect(await laneJob(last!.id)).toBeUndefined();
    expect(await laneJob(early!.id)).toEqual({ job_id: null, attempts: 1 });
    expect(await inflight()).toBe(0);
    await sql`DELETE FROM tenantry.lane_jobs WHERE log_id = ${early!.id}`.execute(tdb.db);
  });

  it('writes a batch row by row when the database refuses it, so one bad change holds back no other', async () => {
    const [good, bad, awaited, refused] = await dispatch(4);
    const writer = new JobLogWriter(tdb.pool, silent, { windowMs: 1 });
    writer.settle(good!.id, { status: 'completed', progress: 100, result: '{"ok":true}' });
    // Both violate the status CHECK constraint.
    writer.note(bad!.id, { status: 'bogus' as never, progress: 50 });
    const refusal = writer.commit(refused!.id, { status: 'bogus' as never }).catch((err: Error) => err);
    const written = writer.commit(awaited!.id, { status: 'failed', errorMessage: 'boom' });
    await expect(written).resolves.toBeUndefined();
    expect(String(await refusal)).toMatch(/check constraint/);
    expect(await writer.drain(5_000)).toBe(true);

    expect(await jobLog(tdb.db, good!.id)).toMatchObject({ status: 'completed', result: { ok: true } });
    expect(await jobLog(tdb.db, awaited!.id)).toMatchObject({ status: 'failed', error_message: 'boom' });
    expect(await jobLog(tdb.db, bad!.id)).toMatchObject({ status: 'pending', progress: 0 });
    expect((await jobLog(tdb.db, refused!.id)).status).toBe('pending');
    const ids = [good!, bad!, awaited!, refused!].map((j) => j.id);
    await sql`DELETE FROM tenantry.lane_jobs WHERE log_id = ANY(${ids}::bigint[])`.execute(tdb.db);
  });
});
