import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { parseLane, tenantQueue } from '../../src/jobs/lanes.ts';
import { dispatch, dispatchMany, dispatchTenant, registry } from '../../src/tasks/index.ts';
import { runInTenant } from '../../src/tenancy.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, jobLog } from '../helpers/worker.ts';

describe('dispatch', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
    await createTenantWithSchema(tdb, { id: 'wide', concurrency: 3 });
  });
  afterAll(async () => {
    await tdb.close();
  });

  const graphileJob = async (id: string) =>
    (
      await sql<{
        queue_name: string | null;
        task_identifier: string;
        payload: Record<string, unknown>;
        flags: unknown;
      }>`
        SELECT q.queue_name, t.identifier AS task_identifier, j.payload, j.flags
        FROM graphile_worker._private_jobs j
        JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
        WHERE j.id = ${id}`.execute(tdb.db)
    ).rows[0];

  it('writes the job and its pending log row, linked both ways', async () => {
    const job = await dispatch(
      tdb.db,
      'send-notification',
      { channel: 'sms', to: '+34600000000', message: 'hi' },
      {
        tenant: 'acme',
        source: { type: 'appointment', id: '7' },
        meta: { requested_by: 'test' },
        priority: 5,
      },
    );
    expect(job).toMatchObject({
      status: 'pending',
      queue: 'notifications',
      lane: 'tenant_acme_notifications',
    });
    // No worker is registered here, so nothing is admitted yet: the job waits in its lane.
    expect(job.jobId).toBeNull();
    const waiting = await sql<{ lane: string; priority: number; job_id: string | null }>`
      SELECT lane, priority, job_id FROM tenantry.lane_jobs WHERE log_id = ${job.id}`.execute(tdb.db);
    expect(waiting.rows).toEqual([{ lane: 'tenant_acme_notifications', priority: 5, job_id: null }]);
    await sql`SELECT tenantry.admit(10)`.execute(tdb.db);
    const admitted = await sql<{ job_id: string | null }>`
      SELECT job_id FROM tenantry.lane_jobs WHERE log_id = ${job.id}`.execute(tdb.db);
    expect(admitted.rows[0]?.job_id).not.toBeNull();
    const log = await jobLog(tdb.db, job.id);
    expect(log).toMatchObject({
      tenant_id: 'acme',
      task: 'send-notification',
      status: 'pending',
      attempts: 0,
      max_attempts: 3,
      priority: 5,
      source_type: 'appointment',
      source_id: '7',
      meta: { requested_by: 'test' },
      payload: { channel: 'sms', to: '+34600000000', message: 'hi' },
    });
    const row = await graphileJob(admitted.rows[0]!.job_id!);
    // Admitted into graphile-worker's unnamed queue; the lane's order was decided at admission.
    expect(row).toMatchObject({
      queue_name: null,
      task_identifier: 'send-notification',
      payload: { log: Number(job.id), tenant: 'acme', queue: 'notifications', laned: true, attempt: 0 },
    });
    expect(Object.keys(row?.flags as object).sort()).toEqual(['laned', 'q:notifications', 't:acme']);
  });

  it('joins the caller transaction: a rollback leaves no job and no log', async () => {
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM graphile_worker.jobs`.execute(
      tdb.db,
    );
    let dispatched: string | undefined;
    await expect(
      tdb.db.transaction().execute(async (trx) => {
        dispatched = (await dispatch(trx, 'queue-gc', {})).id;
        throw new Error('caller changed its mind');
      }),
    ).rejects.toThrow('caller changed its mind');
    expect(dispatched).toBeDefined();
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM graphile_worker.jobs`.execute(
      tdb.db,
    );
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    const logs = await tdb.db
      .selectFrom('tenantry.job_logs')
      .select('id')
      .where('id', '=', dispatched!)
      .execute();
    expect(logs).toEqual([]);
  });

  it('keeps one lane per tenant and queue, admitting at most the tenant cap in dispatch order', async () => {
    const jobs = await dispatchMany(
      tdb.db,
      Array.from({ length: 9 }, () => ({
        task: 'send-notification' as const,
        payload: { channel: 'sms' as const, to: 'x', message: 'y' },
        tenant: 'wide',
      })),
    );
    expect(new Set(jobs.map((j) => j.lane))).toEqual(new Set(['tenant_wide_notifications']));
    expect(parseLane('tenant_wide_notifications')).toMatchObject({
      tenantId: 'wide',
      queue: 'notifications',
    });
    const admitted = await sql<{ n: number }>`SELECT tenantry.admit(100) AS n`.execute(tdb.db);
    expect(admitted.rows[0]?.n).toBe(3);
    const rows = await sql<{ log_id: string }>`
      SELECT log_id FROM tenantry.lane_jobs WHERE lane = 'tenant_wide_notifications' AND job_id IS NOT NULL
      ORDER BY log_id`.execute(tdb.db);
    expect(rows.rows.map((r) => r.log_id)).toEqual(jobs.slice(0, 3).map((j) => j.id));
  });

  it('runs a central job without a lane on the default queue, and a named central queue as one lane', async () => {
    const central = await dispatch(tdb.db, 'queue-gc', {});
    expect(central).toMatchObject({ tenantId: null, queue: 'default', lane: null });
    const named = await dispatch(tdb.db, 'queue-gc', {}, { queue: 'maintenance' });
    expect(named.lane).toBe('maintenance');
  });

  it('names the current tenant’s queue with tenantQueue()', () => {
    expect(runInTenant('acme', () => tenantQueue('emails'))).toBe('tenant_acme_emails');
    expect(runInTenant('acme', () => tenantQueue())).toBe('tenant_acme_default');
    expect(tenantQueue('emails')).toBe('emails');
  });

  it('defaults dispatchTenant to the current tenant', async () => {
    const job = await runInTenant('acme', () =>
      dispatchTenant(
        tdb.db,
        'send-notification',
        { channel: 'calendar', to: 'a@b.c', message: 'm' },
        { queue: 'calendar' },
      ),
    );
    expect(job).toMatchObject({ tenantId: 'acme', lane: 'tenant_acme_calendar' });
    await expect(dispatchTenant(tdb.db, 'queue-gc', {})).rejects.toThrow(/outside a tenant context/);
  });

  it('replaces a pending job with the same key and marks the earlier log superseded', async () => {
    const first = await dispatch(tdb.db, 'queue-gc', {}, { jobKey: 'gc-once', delayMs: 60_000 });
    const second = await dispatch(tdb.db, 'queue-gc', {}, { jobKey: 'gc-once', delayMs: 60_000 });
    expect(second.jobId).toBe(first.jobId);
    expect(await jobLog(tdb.db, first.id)).toMatchObject({
      status: 'cancelled',
      error_message: `superseded by job log ${second.id}`,
    });
    expect((await jobLog(tdb.db, second.id)).status).toBe('pending');
  });

  it.each([
    [{ task: 'nope', payload: {} }, 'task', /unknown task "nope"/],
    [
      { task: 'send-notification', payload: { channel: 'fax', to: 'x', message: 'y' } },
      'payload.channel',
      /: must be one of "sms", "whatsapp", "calendar"$/,
    ],
    [
      { task: 'send-notification', payload: { channel: 'sms', message: 'y' } },
      'payload.to',
      /: is required$/,
    ],
    [
      { task: 'send-notification', payload: {} },
      'payload.channel',
      /: is required \(also missing: to, message\)$/,
    ],
    [
      { task: 'send-notification', payload: { channel: 'sms', to: 'x', message: 'y', colour: 'red' } },
      'payload.colour',
      /: is not a property this task takes$/,
    ],
    // Row ids past 2^53 (1e20, 1e300 are integers to JSON Schema) were accepted, then failed in
    // the worker on PostgreSQL's bigint range.
    [
      { task: 'process-company-context', tenant: 'acme', payload: { client_id: 1e20 } },
      'payload.client_id',
      /9007199254740991/,
    ],
    [
      {
        task: 'send-appointment-email',
        tenant: 'acme',
        payload: { appointment_id: 1e300, kind: 'reminder' },
      },
      'payload.appointment_id',
      /9007199254740991/,
    ],
    [{ task: 'queue-gc', payload: {}, queue: 'Bad Queue' }, 'queue', /lowercase/],
    [{ task: 'queue-gc', payload: {}, queue: 'tenant_x' }, 'queue', /tenant_/],
    [{ task: 'queue-gc', payload: {}, priority: 1.5 }, 'priority', /whole number/],
    [{ task: 'queue-gc', payload: {}, priority: 40_000 }, 'priority', /-32768/],
    [{ task: 'queue-gc', payload: {}, maxAttempts: 0 }, 'max_attempts', /1 to 25/],
    [{ task: 'queue-gc', payload: {}, runAt: new Date('nope') }, 'run_at', /valid time/],
    [{ task: 'queue-gc', payload: {}, runAt: new Date(), delayMs: 5 }, 'run_at', /not both/],
    [{ task: 'queue-gc', payload: {}, tenant: 'Not A Slug' }, 'tenant', /tenant id/],
  ])('rejects %o naming %s, and writes nothing', async (spec, field, message) => {
    const count = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.job_logs`.execute(tdb.db)).rows[0]?.n;
    const before = await count();
    const error = await dispatchJobs(tdb.db, registry, [spec]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'validation_failed', extensions: { field } });
    expect((error as Error).message).toMatch(message);
    expect(await count()).toBe(before);
  });

  it('answers not_found for a tenant that does not exist', async () => {
    await expect(dispatch(tdb.db, 'queue-gc', {}, { tenant: 'ghost' })).rejects.toMatchObject({
      code: 'not_found',
      message: 'tenant ghost does not exist',
    });
  });
});
