import { sql } from 'kysely';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { defineTask } from '../../src/jobs/define.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { currentTenant } from '../../src/tenancy.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';

/**
 * A task's onCompleted hook runs once its handler has returned, with the result, in the job's
 * tenant; a hook that fails is logged and the job is completed all the same, never run again.
 */
const record = (db: Db, row: Record<string, unknown>) =>
  sql`INSERT INTO probe_events (data) VALUES (${JSON.stringify(row)}::jsonb)`.execute(db);

const doubled = defineTask({
  name: 'doubled',
  audience: 'tenant',
  payload: Type.Object({ n: Type.Integer() }),
  async handler(payload, ctx) {
    await record(ctx.controlDb, { event: 'handled', log: ctx.job.logId });
    return { n: payload.n * 2 };
  },
  async onCompleted(payload, result, ctx) {
    await record(ctx.controlDb, {
      event: 'completed',
      log: ctx.job.logId,
      payload,
      result,
      tenant: ctx.tenantId ?? null,
      current: currentTenant() ?? null,
    });
  },
});

const hookFails = defineTask({
  name: 'hook-fails',
  audience: 'tenant',
  maxAttempts: 3,
  payload: Type.Object({}),
  async handler(_payload, ctx) {
    await record(ctx.controlDb, { event: 'handled', log: ctx.job.logId });
    return { ok: true };
  },
  async onCompleted() {
    throw new Error('hook broke');
  },
});

const tasks = registry.with([doubled, hookFails]);

describe('onCompleted hooks', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;
  const events = async (log: string) => {
    const { rows } = await sql<{ data: Record<string, unknown> }>`
      SELECT data FROM probe_events WHERE data->>'log' = ${log} ORDER BY id`.execute(tdb.db);
    return rows.map((r) => r.data);
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
    await PROBE_TABLE_DDL.execute(tdb.db);
    worker = await startTestWorker(tdb, { registry: tasks });
  });
  afterAll(async () => {
    await worker?.stop();
    await tdb.close();
  });

  it('runs after the handler with its result, in the job’s tenant', async () => {
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'doubled', tenant: 'acme', payload: { n: 21 } },
    ]);
    await waitForStatus(tdb.db, job!.id, ['completed']);
    expect((await jobLog(tdb.db, job!.id)).result).toEqual({ n: 42 });
    expect(await events(job!.id)).toEqual([
      { event: 'handled', log: job!.id },
      {
        event: 'completed',
        log: job!.id,
        payload: { n: 21 },
        result: { n: 42 },
        tenant: 'acme',
        current: 'acme',
      },
    ]);
  });

  it('completes the job once when the hook fails, without running the handler again', async () => {
    const [job] = await dispatchJobs(tdb.db, tasks, [{ task: 'hook-fails', tenant: 'acme', payload: {} }]);
    await waitForStatus(tdb.db, job!.id, ['completed']);
    const log = await jobLog(tdb.db, job!.id);
    expect(log.attempts).toBe(1);
    expect(log.result).toEqual({ ok: true });
    expect(await events(job!.id)).toEqual([{ event: 'handled', log: job!.id }]);
  });
});
