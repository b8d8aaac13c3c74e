import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../src/jobs/dispatch.ts';
import { registry } from '../src/tasks/index.ts';
import { slow } from './fixtures/slow-worker.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';
import { createTenantWithSchema, jobLog } from './helpers/worker.ts';

const tasks = registry.with([slow]);

function startWorker(
  databaseUrl: string,
  shutdownTimeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['test/fixtures/slow-worker.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

describe('graceful shutdown on SIGTERM', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await sql`CREATE TABLE shutdown_probe (job_id bigint PRIMARY KEY)`.execute(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
  });

  const jobState = async (id: string) => {
    const { rows } = await sql<{ attempts: number; locked: boolean; last_error: string | null }>`
      SELECT attempts, locked_at IS NOT NULL AS locked, last_error FROM graphile_worker.jobs WHERE id = ${id}`.execute(
      tdb.db,
    );
    return rows[0];
  };

  it('lets a running job finish, then exits 0', async () => {
    const child = await startWorker(tdb.url, 10_000);
    const [job] = await dispatchJobs(tdb.db, tasks, [{ task: 'slow', payload: { ms: 1500 } }]);
    await expect.poll(async () => (await jobState(job!.jobId!))?.locked, { timeout: 10_000 }).toBe(true);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;

    expect(code).toBe(0);
    const { rows } = await sql<{ job_id: string }>`SELECT job_id FROM shutdown_probe`.execute(tdb.db);
    expect(rows.map((r) => String(r.job_id))).toEqual([job!.id]);
    expect(await jobState(job!.jobId!)).toBeUndefined();
    const log = await tdb.db
      .selectFrom('tenantry.job_logs')
      .selectAll()
      .where('id', '=', job!.id)
      .executeTakeFirst();
    expect(log).toMatchObject({ status: 'completed', attempts: 1, progress: 100 });
  });

  it('fails a job that overruns SHUTDOWN_TIMEOUT_MS back to the queue instead of losing it', async () => {
    const child = await startWorker(tdb.url, 300);
    const [job] = await dispatchJobs(tdb.db, tasks, [{ task: 'slow', payload: { ms: 20_000 } }]);
    await expect.poll(async () => (await jobState(job!.jobId!))?.locked, { timeout: 10_000 }).toBe(true);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;

    expect(code).toBe(0);
    // graphile-worker counted the attempt as it failed the job; the log did not.
    const state = await jobState(job!.jobId!);
    expect(state).toMatchObject({ attempts: 1, locked: false });
    expect(state?.last_error).toBeTruthy();
    const log = await jobLog(tdb.db, job!.id);
    expect(log).toMatchObject({ status: 'pending', attempts: 0 });
    expect(log.error_message).toBe(
      'worker shut down before the job finished; it runs again, this attempt not counted',
    );
    // The reconcile gives the attempt back.
    const { rows } = await sql`SELECT * FROM tenantry.revive_shutdown_central_jobs()`.execute(tdb.db);
    expect(rows).toEqual([{ log_id: job!.id, job_id: job!.jobId, attempts: 0 }]);
    expect(await jobState(job!.jobId!)).toMatchObject({ attempts: 0, locked: false });
  });

  it('runs a one-attempt central job a shutdown stopped again, instead of failing it for good', async () => {
    const child = await startWorker(tdb.url, 300);
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'slow', payload: { ms: 3000 }, maxAttempts: 1 },
    ]);
    await expect.poll(async () => (await jobState(job!.jobId!))?.locked, { timeout: 10_000 }).toBe(true);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    expect(await jobLog(tdb.db, job!.id)).toMatchObject({ status: 'pending', attempts: 0 });

    // The next worker's reconcile revives it (every RECONCILE_INTERVAL_MS), then runs it.
    const next = await startWorker(tdb.url, 10_000, { RECONCILE_INTERVAL_MS: '1000' });
    try {
      await expect
        .poll(async () => (await jobLog(tdb.db, job!.id)).status, { timeout: 60_000 })
        .toBe('completed');
    } finally {
      const done = once(next, 'exit');
      next.kill('SIGTERM');
      await done;
    }
    expect(await jobLog(tdb.db, job!.id)).toMatchObject({ attempts: 1, error_message: null });
  }, 90_000);

  it('returns a tenant job that overruns SHUTDOWN_TIMEOUT_MS to its lane uncounted, even on its last attempt', async () => {
    await createTenantWithSchema(tdb, { id: 'acme' });
    const child = await startWorker(tdb.url, 300);
    // One attempt only: counting the shutdown as one failed it for good.
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'slow', tenant: 'acme', payload: { ms: 20_000 }, maxAttempts: 1 },
    ]);
    await expect
      .poll(async () => (await jobLog(tdb.db, job!.id)).status, { timeout: 10_000 })
      .toBe('running');

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;

    expect(code).toBe(0);
    const log = await jobLog(tdb.db, job!.id);
    expect(log).toMatchObject({ status: 'pending', attempts: 0, finished_at: null });
    expect(log.error_message).toBe(
      'worker shut down before the job finished; it runs again, this attempt not counted',
    );
    // Back in its lane with no attempt counted; the admission that freed slot triggered may have
    // queued it again, unlocked, for the next worker to take.
    const lane = await sql<{ attempts: number; locked: boolean | null; gw_attempts: number | null }>`
      SELECT lj.attempts, g.locked_at IS NOT NULL AS locked, g.attempts AS gw_attempts
      FROM tenantry.lane_jobs lj LEFT JOIN graphile_worker.jobs g ON g.id = lj.job_id
      WHERE lj.log_id = ${job!.id}`.execute(tdb.db);
    expect(lane.rows).toHaveLength(1);
    expect(lane.rows[0]!.attempts).toBe(0);
    expect(lane.rows[0]!.locked ?? false).toBe(false);
    expect(lane.rows[0]!.gw_attempts ?? 0).toBe(0);
  });
});
