import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

// One dispatch call of many tenant jobs (enqueue_job_batch(), migrations/0018): fields most
// jobs leave out travel as NULL arrays, payloads and metas as one JSON array each, and the
// result comes back as one row of ids. Every job must still land whole and in its place.
describe('bulk dispatch of tenant jobs', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['bulka', 'bulkb'], 2);
  });
  afterAll(async () => {
    await tdb.close();
  });

  const note = (message: string) => ({ channel: 'sms' as const, to: '+34600000000', message });

  it('writes each spec’s own fields, in spec order, whether the others set them or not', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const specs: DispatchSpec[] = [
      { task: 'send-notification', payload: note('plain'), tenant: 'bulka' },
      {
        task: 'send-notification',
        payload: note('full'),
        tenant: 'bulkb',
        meta: { by: 'test', n: 2 },
        source: { type: 'invoice', id: '9' },
        runAt: later,
        priority: -3,
        jobKey: 'k1',
        maxAttempts: 4,
      },
      { task: 'send-notification', payload: note('third "quoted" \\ text'), tenant: 'bulka', priority: 2 },
    ];
    const jobs = await dispatchJobs(tdb.db, registry, specs);
    expect(jobs.map((j) => j.lane)).toEqual([
      'tenant_bulka_notifications',
      'tenant_bulkb_notifications',
      'tenant_bulka_notifications',
    ]);
    expect(Number(jobs[0]!.id)).toBeLessThan(Number(jobs[1]!.id));
    expect(Number(jobs[1]!.id)).toBeLessThan(Number(jobs[2]!.id));

    const { rows } = await sql<{
      id: string;
      tenant_id: string;
      payload: { message: string };
      meta: Record<string, unknown>;
      source_type: string | null;
      source_id: string | null;
      priority: number;
      max_attempts: number;
      run_at: Date;
      status: string;
      lane_priority: number;
      lane_run_at: Date;
      job_key: string | null;
    }>`
      SELECT l.id, l.tenant_id, l.payload, l.meta, l.source_type, l.source_id, l.priority, l.max_attempts,
             l.run_at, l.status, j.priority AS lane_priority, j.run_at AS lane_run_at, j.job_key
      FROM tenantry.job_logs l JOIN tenantry.lane_jobs j ON j.log_id = l.id
      WHERE l.id = ANY(${jobs.map((j) => j.id)}::bigint[]) ORDER BY l.id`.execute(tdb.db);
    expect(rows.map((r) => r.payload.message)).toEqual(['plain', 'full', 'third "quoted" \\ text']);
    expect(rows.map((r) => r.meta)).toEqual([{}, { by: 'test', n: 2 }, {}]);
    expect(rows.map((r) => [r.source_type, r.source_id])).toEqual([
      [null, null],
      ['invoice', '9'],
      [null, null],
    ]);
    expect(rows.map((r) => [r.priority, r.lane_priority])).toEqual([
      [0, 0],
      [-3, -3],
      [2, 2],
    ]);
    // The task's default where the spec sets none.
    expect(rows[0]!.max_attempts).toBe(rows[2]!.max_attempts);
    expect(rows[1]!.max_attempts).toBe(4);
    expect(rows[0]!.max_attempts).not.toBe(4);
    expect(rows.map((r) => r.job_key)).toEqual([null, 't:bulkb:k1', null]);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    // A job given no time runs from the dispatch's now(), which the call reports as its runAt.
    expect(rows[0]!.run_at.getTime()).toBe(jobs[0]!.runAt.getTime());
    expect(rows[2]!.run_at.getTime()).toBe(jobs[2]!.runAt.getTime());
    expect(rows[1]!.run_at.getTime()).toBe(later.getTime());
    expect(jobs[1]!.runAt.getTime()).toBe(later.getTime());
    expect(rows.map((r) => r.lane_run_at.getTime())).toEqual(rows.map((r) => r.run_at.getTime()));
  });

  it('moves a lane’s due time earlier for an earlier job and leaves a lane already due as it is', async () => {
    const lane = 'tenant_bulkb_notifications';
    const state = async () =>
      (
        await sql<{ due: Date; vtime: number; xmin: string }>`
          SELECT due, vtime, xmin::text AS xmin FROM tenantry.lanes WHERE name = ${lane}`.execute(tdb.db)
      ).rows[0]!;
    const before = await state();
    expect(before.due.getTime()).toBeGreaterThan(Date.now());
    await dispatchJobs(tdb.db, registry, [
      { task: 'send-notification', payload: note('now'), tenant: 'bulkb' },
    ]);
    const due = await state();
    expect(due.due.getTime()).toBeLessThan(before.due.getTime());
    expect(due.vtime).toBe(before.vtime);
    await dispatchJobs(tdb.db, registry, [
      { task: 'send-notification', payload: note('in a minute'), tenant: 'bulkb', delayMs: 60_000 },
    ]);
    // Not rewritten: the same row version, the same due time.
    expect(await state()).toEqual(due);
  });

  it('refuses payload and meta arrays that do not match the specs, writing nothing', async () => {
    const count = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.job_logs`.execute(tdb.db)).rows[0]!.n;
    const before = await count();
    const call = (payloads: string, metas: string | null) =>
      sql`SELECT * FROM tenantry.enqueue_job_batch(
            ARRAY['send-notification', 'send-notification'], ARRAY['bulka', 'bulka'],
            ARRAY['notifications', 'notifications'], ${payloads}::jsonb, ${metas}::jsonb,
            NULL, NULL, NULL, NULL, ARRAY[3, 3], NULL, NULL)`.execute(tdb.db);
    await expect(call('[{}]', null)).rejects.toMatchObject({ code: '22023' });
    await expect(call('{"a": 1}', null)).rejects.toMatchObject({ code: '22023' });
    await expect(call('[{}, {}]', '[{}]')).rejects.toMatchObject({ code: '22023' });
    expect(await count()).toBe(before);
    const { rows } = await call('[{"a": 1}, {"b": 2}]', null);
    expect(rows).toHaveLength(1);
    expect(await count()).toBe(before + 2);
  });

  it('answers cancelled for an item a later item of the same call replaced through its job key', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const jobs = await dispatchJobs(tdb.db, registry, [
      { task: 'send-notification', payload: note('first'), tenant: 'bulka', jobKey: 'dup', runAt: later },
      {
        task: 'send-notification',
        payload: note('other tenant'),
        tenant: 'bulkb',
        jobKey: 'dup',
        runAt: later,
      },
      { task: 'send-notification', payload: note('second'), tenant: 'bulka', jobKey: 'dup', runAt: later },
      { task: 'send-notification', payload: note('no key'), tenant: 'bulka', runAt: later },
    ]);
    expect(jobs.map((j) => [j.status, j.supersededBy])).toEqual([
      ['cancelled', jobs[2]!.id],
      ['pending', undefined],
      ['pending', undefined],
      ['pending', undefined],
    ]);
    // What it answered is what the logs say.
    const { rows } = await sql<{ id: string; status: string }>`
      SELECT l.id::text AS id, l.status FROM tenantry.job_logs l
      WHERE l.id = ANY(${jobs.map((j) => j.id)}::bigint[]) ORDER BY l.id`.execute(tdb.db);
    expect(rows).toEqual(jobs.map((j) => ({ id: j.id, status: j.status })));
  });

  it('refuses a central job key repeated in one call, naming the item (add_jobs cannot take it twice)', async () => {
    const attempt = dispatchJobs(tdb.db, registry, [
      { task: 'queue-gc', payload: {}, jobKey: 'gc-once' },
      { task: 'queue-gc', payload: {}, jobKey: 'gc-once' },
    ]);
    await expect(attempt).rejects.toMatchObject({
      code: 'validation_failed',
      extensions: { field: '1.job_key' },
    });
  });
});
