import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { spawnWorker, stopWorker } from '../helpers/processes-worker.ts';
import { createTenantWithSchema, jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

describe('several worker processes', () => {
  let tdb: TestDatabase;
  const children: ChildProcess[] = [];
  let inProcess: WorkerService | undefined;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => stopWorker(c, 'SIGKILL')));
    await inProcess?.stop();
    await tdb.close();
  });

  it('never run more of one tenant queue at once than the tenant concurrency', async () => {
    await createTenantWithSchema(tdb, { id: 'duo', concurrency: 2 });
    const workers = await Promise.all(
      [0, 1, 2].map(() => spawnWorker({ DATABASE_URL: tdb.url, WORKER_CONCURRENCY: '4' })),
    );
    children.push(...workers);
    const jobs = await dispatchJobs(
      tdb.db,
      tasks,
      Array.from({ length: 16 }, (_, i) => ({
        task: 'probe',
        tenant: 'duo',
        payload: { mode: 'sleep' as const, ms: 120, label: `j${i}` },
      })),
    );
    for (const job of jobs) await waitForStatus(tdb.db, job.id, ['completed'], 60_000);

    // Overlap at each start: jobs that had started and not yet ended at that instant.
    const { rows } = await sql<{ overlap: number }>`
      WITH spans AS (
        SELECT s.data->>'log' AS log, s.at AS started, e.at AS ended
        FROM probe_events s JOIN probe_events e ON e.data->>'log' = s.data->>'log' AND e.data->>'event' = 'end'
        WHERE s.data->>'event' = 'start' AND s.data->>'tenant' = 'duo'
      )
      SELECT max((SELECT count(*) FROM spans o WHERE o.started <= x.started AND o.ended > x.started))::int AS overlap
      FROM spans x`.execute(tdb.db);
    expect(rows[0]?.overlap).toBeGreaterThanOrEqual(1);
    expect(rows[0]?.overlap).toBeLessThanOrEqual(2);
    const lanes = new Set((await Promise.all(jobs.map((j) => jobLog(tdb.db, j.id)))).map((l) => l.lane));
    expect([...lanes]).toEqual(['tenant_duo_default']);
    await Promise.all(workers.map((w) => stopWorker(w)));
  });

  it('releases the jobs of a SIGKILLed worker and runs them again with one more attempt', async () => {
    await createTenantWithSchema(tdb, { id: 'crashy' });
    const env = { DATABASE_URL: tdb.url, WORKER_RESCUE_AFTER_MS: '1500' };
    const doomed = await spawnWorker(env);
    children.push(doomed);
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'crashy', payload: { mode: 'hang-once' } },
    ]);
    await waitForStatus(tdb.db, job!.id, ['running']);
    await stopWorker(doomed, 'SIGKILL');

    inProcess = await startTestWorker(tdb, { registry: tasks, env: { WORKER_RESCUE_AFTER_MS: '1500' } });
    const log = await waitForStatus(tdb.db, job!.id, ['completed'], 30_000);
    expect(log.attempts).toBe(2);
    const workers = await tdb.db.selectFrom('tenantry.workers').select('pid').execute();
    expect(workers.map((w) => w.pid)).not.toContain(doomed.pid);
  });
});
