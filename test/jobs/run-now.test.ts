import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { type DispatchedJob, type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { pauseTenant, resumeTenant } from '../../src/jobs/tenant-limits.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { centralProbe, PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe, centralProbe]);
const HOUR = 3_600_000;

/** Running a pending job now: a delayed one, or one waiting out its retry backoff. */
describe('POST /api/job-logs/:id/run-now', () => {
  let tdb: TestDatabase;
  let app: App;
  let worker: WorkerService;
  let keys: Record<'acme' | 'globex', Record<string, string>>;

  const dispatch = async (spec: Partial<DispatchSpec>) =>
    (
      await dispatchJobs(tdb.db, tasks, [{ task: 'probe', tenant: 'acme', payload: { mode: 'ok' }, ...spec }])
    )[0]!;
  const runNow = (id: string, headers: Record<string, string> = bearer(ADMIN_KEY)) =>
    app.inject({ method: 'POST', url: `/api/job-logs/${id}/run-now`, headers });
  /** The job's row in its lane: waiting (deferred or due) or admitted; undefined once it left. */
  const laneRow = async (id: string) =>
    (
      await sql<{
        deferred: boolean;
        due: boolean;
        admitted: boolean;
        job_key: string | null;
        priority: number;
      }>`
        SELECT deferred, run_at <= now() AS due, job_id IS NOT NULL AS admitted, job_key, priority
        FROM tenantry.lane_jobs WHERE log_id = ${id}::bigint`.execute(tdb.db)
    ).rows[0];

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    keys = await tenantsWithKeys(tdb, 'acme', 'globex');
    app = await buildTestApp(tdb.db, {}, tasks);
    worker = await startTestWorker(tdb, { registry: tasks, concurrency: 2 });
  });
  afterAll(async () => {
    await worker.stop();
    await app.close();
    await tdb.close();
  });

  it("starts a delayed tenant job now, on its own log row, for its tenant's key", async () => {
    const job = await dispatch({ runAt: new Date(Date.now() + HOUR) });
    const moved = await runNow(job.id, keys.acme);
    expect(moved.statusCode, moved.body).toBe(202);
    expect(moved.json()).toMatchObject({ id: job.id, status: 'pending' });
    expect(Date.parse(moved.json().run_at)).toBeLessThan(job.runAt.getTime());
    await waitForStatus(tdb.db, job.id, ['completed']);
    expect((await jobLog(tdb.db, job.id)).attempts).toBe(1);
  });

  it('keeps the job key and priority, and waits while its tenant is paused', async () => {
    await pauseTenant(tdb.db, 'acme');
    try {
      const job = await dispatch({ runAt: new Date(Date.now() + HOUR), jobKey: 'digest', priority: 5 });
      expect(await laneRow(job.id)).toMatchObject({ deferred: true, due: false });
      expect((await runNow(job.id)).statusCode).toBe(202);
      expect(await laneRow(job.id)).toEqual({
        deferred: false,
        due: true,
        admitted: false,
        job_key: 't:acme:digest', // keys are scoped to their tenant
        priority: 5,
      });
      // Its key still replaces it: a later dispatch with the key supersedes the moved job.
      const next = await dispatch({ jobKey: 'digest' });
      expect((await jobLog(tdb.db, job.id)).status).toBe('cancelled');
      await resumeTenant(tdb.db, 'acme');
      await waitForStatus(tdb.db, next.id, ['completed']);
    } finally {
      await resumeTenant(tdb.db, 'acme');
    }
  });

  it('moves a job waiting out its retry backoff: its next attempt starts now', async () => {
    const job = await dispatch({ payload: { mode: 'fail-once' } });
    // Its first attempt failed and it waits in its lane for its backoff (2.7 s after a first
    // attempt), pushed to an hour as a tenth attempt's would be (e^10 s).
    const waitUntil = Date.now() + 15_000;
    while (!(await laneRow(job.id))?.deferred) {
      expect(Date.now(), 'the first attempt failed and the job waits for its retry').toBeLessThan(waitUntil);
      await new Promise((r) => setTimeout(r, 20));
    }
    const pushed = await sql`UPDATE tenantry.lane_jobs SET run_at = now() + interval '1 hour'
      WHERE log_id = ${job.id}::bigint AND deferred AND job_id IS NULL`.execute(tdb.db);
    expect(pushed.numAffectedRows).toBe(1n);
    expect((await jobLog(tdb.db, job.id)).attempts).toBe(1);
    expect((await runNow(job.id, keys.acme)).statusCode).toBe(202);
    await waitForStatus(tdb.db, job.id, ['completed']);
    expect((await jobLog(tdb.db, job.id)).attempts).toBe(2);
  });

  it('starts a delayed central job now (admin)', async () => {
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'central-probe', payload: {}, runAt: new Date(Date.now() + HOUR) },
    ]);
    const moved = await runNow(job!.id);
    expect(moved.statusCode, moved.body).toBe(202);
    await waitForStatus(tdb.db, job!.id, ['completed']);
  });

  it("refuses a finished job (409), another tenant's (404), system work for a tenant key (403), a bad id (400)", async () => {
    const done = await dispatch({});
    await waitForStatus(tdb.db, done.id, ['completed']);
    const finished = await runNow(done.id, keys.acme);
    expect([finished.statusCode, finished.json().detail]).toEqual([
      409,
      expect.stringMatching(/is completed/),
    ]);

    const delayed = await dispatch({ runAt: new Date(Date.now() + HOUR) });
    expect((await runNow(delayed.id, keys.globex)).statusCode).toBe(404);
    expect(await laneRow(delayed.id)).toMatchObject({ deferred: true, due: false });

    const [system] = await dispatchJobs(tdb.db, tasks, [
      { task: 'welcome-email', tenant: 'acme', payload: {}, runAt: new Date(Date.now() + HOUR) },
    ]);
    const forbidden = await runNow(system!.id, keys.acme);
    expect(forbidden.statusCode, forbidden.body).toBe(403);
    expect(await laneRow(system!.id)).toMatchObject({ deferred: true, due: false });

    const bad = await runNow('abc', keys.acme);
    expect([bad.statusCode, bad.json().field]).toEqual([400, 'id']);
  });

  it('runs delayed jobs now in bulk: counted first, within the scope, system work left out, until none remains', async () => {
    await pauseTenant(tdb.db, 'acme');
    try {
      const later = new Date(Date.now() + HOUR);
      // A queue of their own: the jobs earlier tests left waiting are not in this count.
      const queue = 'bulk';
      const mine: DispatchedJob[] = [];
      for (let i = 0; i < 3; i++) mine.push(await dispatch({ runAt: later, queue }));
      const due = await dispatch({ queue });
      const [system] = await dispatchJobs(tdb.db, tasks, [
        { task: 'welcome-email', tenant: 'acme', payload: {}, runAt: later, queue },
      ]);
      const theirs = await dispatch({ tenant: 'globex', runAt: later, queue });
      const bulk = (body: object) =>
        app.inject({
          method: 'POST',
          url: '/api/job-logs/run-now',
          headers: keys.acme,
          payload: { filter: { queue }, ...body },
        });

      // Its time come, held by the pause: not waiting for a later start, so not counted.
      const held = await dispatch({ runAt: later, queue });
      await sql`UPDATE tenantry.lane_jobs SET run_at = now() - interval '1 minute'
        WHERE log_id = ${held.id}::bigint`.execute(tdb.db);
      // Counted, then started and back to wait for a retry: not taken by the calls after the count.
      const rerun = await dispatch({ runAt: later, queue });

      const counted = await bulk({ dry_run: true });
      expect(counted.statusCode, counted.body).toBe(200);
      expect(counted.json()).toMatchObject({ action: 'run-now', matched: 4, done: [] });
      await sql`UPDATE tenantry.job_logs SET started_at = now() + interval '1 second', attempts = 1
        WHERE id = ${rerun.id}::bigint`.execute(tdb.db);
      const first = await bulk({ limit: 2, as_of: counted.json().as_of });
      expect(first.json()).toMatchObject({
        matched: 3,
        done: mine.slice(0, 2).map((j) => j.id),
        remaining: 1,
      });
      const second = await bulk({ as_of: counted.json().as_of });
      expect(second.json()).toMatchObject({ matched: 1, done: [mine[2]!.id], remaining: 0 });
      for (const job of mine) expect(await laneRow(job.id)).toMatchObject({ deferred: false, due: true });
      // Untouched: a job due already, the tenant's system work, another tenant's job.
      expect(await laneRow(due.id)).toMatchObject({ deferred: false });
      expect(await laneRow(system!.id)).toMatchObject({ deferred: true, due: false });
      expect(await laneRow(theirs.id)).toMatchObject({ deferred: true, due: false });
      expect(await laneRow(rerun.id)).toMatchObject({ deferred: true, due: false });
      const admin = await app.inject({
        method: 'POST',
        url: '/api/job-logs/run-now',
        headers: bearer(ADMIN_KEY),
        payload: { filter: { tenant: 'acme', queue: 'bulk' } },
      });
      // An admin's bulk takes the system work too (and, without as_of, the job that ran again).
      expect(admin.json()).toMatchObject({ done: [system!.id, rerun.id], remaining: 0 });
    } finally {
      await resumeTenant(tdb.db, 'acme');
    }
  });
});
