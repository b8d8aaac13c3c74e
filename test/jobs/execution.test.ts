import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJobLog } from '../../src/job-logs/repository.ts';
import { cancelJob, retryJob } from '../../src/jobs/control.ts';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe, stubborn } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe, stubborn]);

describe('job execution', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
    worker = await startTestWorker(tdb, { registry: tasks });
  });
  afterAll(async () => {
    await worker.stop();
    await tdb.close();
  });

  const run = async (spec: Partial<DispatchSpec> & { payload: unknown }) => {
    const [job] = await dispatchJobs(tdb.db, tasks, [{ task: 'probe', tenant: 'acme', ...spec }]);
    return job!;
  };
  const events = async (log: string) =>
    (
      await sql<{ data: Record<string, unknown> }>`
        SELECT data FROM probe_events WHERE data->>'log' = ${log} ORDER BY id`.execute(tdb.db)
    ).rows.map((r) => r.data);
  const graphileJob = async (id: string) =>
    (
      await sql<{ attempts: number }>`SELECT attempts FROM graphile_worker.jobs WHERE id = ${id}`.execute(
        tdb.db,
      )
    ).rows[0];

  /** The graphile-worker job a tenant job is admitted as, while it is. */
  const queuedJob = async (logId: string) => {
    const { rows } = await sql<{ job_id: string | null }>`
      SELECT job_id FROM tenantry.lane_jobs WHERE log_id = ${logId}`.execute(tdb.db);
    const jobId = rows[0]?.job_id;
    return jobId ? graphileJob(jobId) : undefined;
  };

  it('runs the handler in the tenant context and records the result', async () => {
    const job = await run({ payload: { mode: 'write-client', label: 'hello' } });
    const log = await waitForStatus(tdb.db, job.id, ['completed']);
    expect(log).toMatchObject({ attempts: 1, progress: 100, result: { echoed: 'hello', attempt: 1 } });
    expect(log.started_at).toBeInstanceOf(Date);
    expect(log.finished_at!.getTime()).toBeGreaterThanOrEqual(log.started_at!.getTime());
    expect(log.duration_ms).toBeGreaterThanOrEqual(0);
    expect(await events(job.id)).toEqual([
      expect.objectContaining({ event: 'start', tenant: 'acme', current: 'acme', attempt: 1 }),
      expect.objectContaining({ event: 'end' }),
    ]);
    // ctx.db is scoped to the tenant's schema.
    const { rows } = await sql<{ name: string }>`SELECT name FROM "tenant_acme".clients`.execute(tdb.db);
    expect(rows.map((r) => r.name)).toContain(`from ${job.id}`);
    expect(await queuedJob(job.id)).toBeUndefined();
  });

  it('shows progress while the job runs', async () => {
    const job = await run({ payload: { mode: 'sleep', ms: 1500 } });
    await expect
      .poll(async () => {
        const log = await jobLog(tdb.db, job.id);
        return [log.status, log.progress, log.step];
      })
      .toEqual(['running', 40, 'halfway']);
    await waitForStatus(tdb.db, job.id, ['completed']);
  });

  it('retries a failed attempt with the last error kept, then completes with none', async () => {
    const job = await run({ payload: { mode: 'fail-once' } });
    await expect
      .poll(async () => (await jobLog(tdb.db, job.id)).error_message, { timeout: 5000 })
      .toBe('probe failure on attempt 1');
    // While it backs off (e¹ s from the failure) its log says when it will be tried again.
    const waiting = (await findJobLog(tdb.db, job.id))!;
    const { rows } = await sql<{ run_at: Date }>`
      SELECT run_at FROM tenantry.lane_jobs WHERE log_id = ${job.id}`.execute(tdb.db);
    expect(waiting.status).toBe('pending');
    expect(waiting.run_at).toEqual(rows[0]!.run_at);
    expect(waiting.run_at.getTime() - waiting.created_at.getTime()).toBeGreaterThan(2700);
    const log = await waitForStatus(tdb.db, job.id, ['completed']);
    // Completed: no error of its own; the history says which attempt failed, and that the job
    // then went on.
    expect(log).toMatchObject({ attempts: 2, error_message: null, error_stack: null });
    expect(log.attempt_errors).toEqual([
      { attempt: 1, at: expect.any(String), status: 'pending', message: 'probe failure on attempt 1' },
    ]);
  });

  it('fails for good after the last attempt, runs onFailed once, and frees its lane slot', async () => {
    const job = await run({ payload: { mode: 'fail', label: 'doomed' }, maxAttempts: 2 });
    const log = await waitForStatus(tdb.db, job.id, ['failed']);
    expect(log).toMatchObject({ attempts: 2, error_message: 'probe failure on attempt 2' });
    expect(log.error_stack).toContain('probe failure');
    const seen = await events(job.id);
    expect(seen.filter((e) => e.event === 'on_failed')).toEqual([
      expect.objectContaining({ error: 'probe failure on attempt 2', label: 'doomed' }),
    ]);
    // The job log is the dead letter; the queue keeps nothing of a tenant job that ended.
    expect(await queuedJob(job.id)).toBeUndefined();
    const laned = await sql`SELECT 1 FROM tenantry.lane_jobs WHERE log_id = ${job.id}`.execute(tdb.db);
    expect(laned.rows).toEqual([]);

    const failures = (l: { attempt_errors: unknown }) =>
      (l.attempt_errors as { attempt: number; status: string; message: string }[]).map(
        ({ attempt, status, message }) => [attempt, status, message],
      );
    expect(failures(log)).toEqual([
      [1, 'pending', 'probe failure on attempt 1'],
      [2, 'failed', 'probe failure on attempt 2'],
    ]);

    await retryJob(tdb.db, job.id);
    const retried = await jobLog(tdb.db, job.id);
    expect(retried).toMatchObject({ status: 'pending', attempts: 0, error_message: log.error_message });
    // A manual retry is not a failure; the history stays across it.
    expect(failures(retried)).toHaveLength(2);
    const again = await waitForStatus(tdb.db, job.id, ['failed']);
    expect(again.attempts).toBe(2);
    expect(failures(again)).toEqual([
      [1, 'pending', 'probe failure on attempt 1'],
      [2, 'failed', 'probe failure on attempt 2'],
      [1, 'pending', 'probe failure on attempt 1'],
      [2, 'failed', 'probe failure on attempt 2'],
    ]);
  });

  it('fails an attempt at its timeout even when the handler ignores the signal', async () => {
    const [job] = await dispatchJobs(tdb.db, tasks, [{ task: 'stubborn', payload: { ms: 5000 } }]);
    const log = await waitForStatus(tdb.db, job!.id, ['failed']);
    expect(log).toMatchObject({ attempts: 1, error_message: 'job timed out after 300 ms' });
  });

  it('cancels a pending job so that it never starts', async () => {
    const job = await run({ payload: { mode: 'ok' }, delayMs: 60_000 });
    expect(await cancelJob(tdb.db, job.id)).toEqual({ status: 'cancelled' });
    expect((await jobLog(tdb.db, job.id)).status).toBe('cancelled');
    expect(await queuedJob(job.id)).toBeUndefined();
    await expect(cancelJob(tdb.db, job.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('cancels a running job: its signal fires, it ends cancelled and is not retried', async () => {
    const job = await run({ payload: { mode: 'sleep', ms: 20_000 } });
    await waitForStatus(tdb.db, job.id, ['running']);
    expect(await cancelJob(tdb.db, job.id)).toEqual({ status: 'cancelling' });
    const log = await waitForStatus(tdb.db, job.id, ['cancelled']);
    expect(log.finished_at).toBeInstanceOf(Date);
    await expect.poll(() => queuedJob(job.id)).toBeUndefined();
    expect((await events(job.id)).filter((e) => e.event === 'end')).toEqual([]);
  });

  it('keeps another tenant out of cancel and retry', async () => {
    const job = await run({ payload: { mode: 'ok' }, delayMs: 60_000 });
    await expect(cancelJob(tdb.db, job.id, { tenantId: 'other' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(retryJob(tdb.db, job.id)).rejects.toMatchObject({ code: 'conflict' });
    await cancelJob(tdb.db, job.id, { tenantId: 'acme' });
  });

  it('holds a suspended tenant’s jobs and runs them after reactivation', async () => {
    await createTenantWithSchema(tdb, { id: 'sleepy' });
    await sql`UPDATE tenantry.tenants SET status = 'suspended', status_reason = 'payment_failed' WHERE id = 'sleepy'`.execute(
      tdb.db,
    );
    const job = await run({ tenant: 'sleepy', payload: { mode: 'ok' } });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await jobLog(tdb.db, job.id)).status).toBe('pending');
    await sql`UPDATE tenantry.tenants SET status = 'active', status_reason = NULL WHERE id = 'sleepy'`.execute(
      tdb.db,
    );
    await waitForStatus(tdb.db, job.id, ['completed']);
  });

  it('drops a deleted tenant’s waiting jobs with its lanes', async () => {
    await createTenantWithSchema(tdb, { id: 'gone' });
    const job = await run({ tenant: 'gone', payload: { mode: 'ok' }, delayMs: 60_000 });
    await sql`DELETE FROM tenantry.tenants WHERE id = 'gone'`.execute(tdb.db);
    const left = await sql`
      SELECT 1 FROM tenantry.lane_jobs WHERE log_id = ${job.id}
      UNION ALL SELECT 1 FROM tenantry.lanes WHERE tenant_id = 'gone'
      UNION ALL SELECT 1 FROM tenantry.job_logs WHERE id = ${job.id}`.execute(tdb.db);
    expect(left.rows).toEqual([]);
    expect(await events(job.id)).toEqual([]);
  });
});
