import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobCeilings } from '../../src/jobs/ceilings.ts';
import { defineTask } from '../../src/jobs/define.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe, stubborn } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';

/**
 * `tenantry worker --tries --timeout`: bounds one worker puts on the tenant jobs it runs. They
 * only lower what a job carries; a job cut short by --tries fails for good there instead of being
 * picked up again; admin and system work keeps its own limits.
 */
const centralFail = defineTask({
  name: 'central-fail',
  audience: 'admin',
  maxAttempts: 2,
  payload: Type.Object({}),
  async handler() {
    throw new Error('central failure');
  },
});
const tasks = registry.with([probe, stubborn, centralFail]);

/** A database with tenant acme and a worker under `ceilings`, for the describe block that calls it. */
function withBoundedWorker(ceilings: JobCeilings): { tdb: TestDatabase } {
  const env = {} as { tdb: TestDatabase; worker?: WorkerService };
  beforeAll(async () => {
    env.tdb = await cloneTestDatabase();
    await createTenantWithSchema(env.tdb, { id: 'acme' });
    await PROBE_TABLE_DDL.execute(env.tdb.db);
    env.worker = await startTestWorker(env.tdb, { registry: tasks, ceilings });
  });
  afterAll(async () => {
    await env.worker?.stop();
    await env.tdb.close();
  });
  return env;
}

describe('worker ceilings (--tries, --timeout)', () => {
  const bounded = withBoundedWorker({ tries: 1, timeoutMs: 200 });

  it("fails a tenant job for good at the worker's --tries, though it had attempts left", async () => {
    const { tdb } = bounded;
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'acme', payload: { mode: 'fail' }, maxAttempts: 5 },
    ]);
    await waitForStatus(tdb.db, job!.id, ['failed']);
    const log = await jobLog(tdb.db, job!.id);
    expect(log.attempts).toBe(1);
    expect(log.max_attempts).toBe(5);
    expect(log.error_message).toBe('worker --tries 1 reached at attempt 1: probe failure on attempt 1');
    // Its last attempt, so the task's failure hook ran.
    const { rows } = await tdb.pool.query(
      "SELECT 1 FROM probe_events WHERE data->>'event' = 'on_failed' AND data->>'log' = $1",
      [job!.id],
    );
    expect(rows).toHaveLength(1);
  });

  it("cuts a tenant job's attempt at the worker's --timeout, below the task's own", async () => {
    const { tdb } = bounded;
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'acme', payload: { mode: 'sleep', ms: 20_000 }, maxAttempts: 1 },
    ]);
    await waitForStatus(tdb.db, job!.id, ['failed']);
    expect((await jobLog(tdb.db, job!.id)).error_message).toBe('job timed out after 200 ms');
  });

  it('leaves admin work its own attempts', async () => {
    const { tdb } = bounded;
    const [job] = await dispatchJobs(tdb.db, tasks, [{ task: 'central-fail', payload: {} }]);
    await waitForStatus(tdb.db, job!.id, ['failed']);
    const log = await jobLog(tdb.db, job!.id);
    expect(log.attempts).toBe(2);
    expect(log.error_message).toBe('central failure');
  });
});

describe('worker ceilings above what jobs carry', () => {
  const loose = withBoundedWorker({ tries: 25, timeoutMs: 60_000 });

  it("never raise them: the task's timeout and the job's attempts hold", async () => {
    const { tdb } = loose;
    const [slow, flaky] = await dispatchJobs(tdb.db, tasks, [
      { task: 'stubborn', tenant: 'acme', payload: { ms: 2_000 } },
      { task: 'probe', tenant: 'acme', payload: { mode: 'fail' }, maxAttempts: 1 },
    ]);
    await waitForStatus(tdb.db, slow!.id, ['failed']);
    expect((await jobLog(tdb.db, slow!.id)).error_message).toBe('job timed out after 300 ms');
    await waitForStatus(tdb.db, flaky!.id, ['failed']);
    const log = await jobLog(tdb.db, flaky!.id);
    expect(log.attempts).toBe(1);
    expect(log.error_message).toBe('probe failure on attempt 1');
  });
});
