import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { clusterWorkerStats } from '../../src/worker/cluster-stats.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

describe('/metrics and the workers block of /health', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;
  let app: App;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
    // A short rescue window makes the heartbeat publish counters every 200 ms.
    worker = await startTestWorker(tdb, {
      registry: tasks,
      concurrency: 3,
      env: { WORKER_RESCUE_AFTER_MS: '1000' },
    });
    app = await buildTestApp(tdb.db, { workers: () => clusterWorkerStats(tdb.db, 1000) }, tasks);
    const jobs = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'acme', payload: { mode: 'ok' } },
      { task: 'probe', tenant: 'acme', payload: { mode: 'ok' } },
      { task: 'probe', tenant: 'acme', payload: { mode: 'fail' }, maxAttempts: 1 },
    ]);
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed', 'failed']);
  });
  afterAll(async () => {
    await app.close();
    await worker.stop();
    await tdb.close();
  });

  it('sums live workers into the seed’s /health fields', async () => {
    await expect
      .poll(async () => (await app.inject({ method: 'GET', url: '/health' })).json().workers)
      .toEqual({ tasks_processed: 2, tasks_failed: 1, active_workers: 3, stalled_workers: 0 });
  });

  it('exposes per-worker, per-task counters and queue depth as Prometheus text (admin only)', async () => {
    const denied = await app.inject({ method: 'GET', url: '/metrics' });
    expect(denied.statusCode).toBe(401);
    await expect
      .poll(async () => {
        const res = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(ADMIN_KEY) });
        return res.body;
      })
      .toMatch(/tenantry_jobs_processed_total\{worker="[^"]+",task="probe"\} 2/);
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(ADMIN_KEY) });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/tenantry_jobs_failed_total\{worker="[^"]+",task="probe"\} 1/);
    expect(res.body).toContain('tenantry_workers{measure="processes"} 1');
    expect(res.body).toContain('tenantry_workers{measure="concurrency"} 3');
    // A tenant job's last failure takes it out of the queue: its job log is the dead letter.
    expect(res.body).toContain('tenantry_jobs{state="dead_letter"} 0');
    expect(res.body).toContain('tenantry_jobs{state="pending"} 0');
  });

  it('counts tenant jobs waiting in their lanes as pending', async () => {
    await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'acme', payload: { mode: 'ok' }, delayMs: 3_600_000 },
      { task: 'probe', tenant: 'acme', payload: { mode: 'ok' }, delayMs: 3_600_000 },
    ]);
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(ADMIN_KEY) });
    expect(res.body).toContain('tenantry_jobs{state="pending"} 2');
    const stats = await app.inject({
      method: 'GET',
      url: '/api/job-logs/stats?tenant=acme',
      headers: bearer(ADMIN_KEY),
    });
    // Both wait for an hour from now: pending, and scheduled (not waiting for a worker).
    expect(stats.json().now).toEqual({ pending: 2, running: 0, scheduled: 2 });
  });
});
