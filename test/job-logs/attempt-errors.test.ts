import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { registry } from '../../src/tasks/index.ts';
import { buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * The history of failed attempts a trigger keeps on every job log (migrations/0033), whichever
 * path writes the failure; the worker's own paths are covered in test/jobs/execution.test.ts.
 */
describe('attempt errors of a job log', () => {
  let tdb: TestDatabase;
  let app: App;
  let acme: Record<string, string>;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    ({ acme } = await tenantsWithKeys(tdb, 'acme'));
    app = await buildTestApp(tdb.db, {}, registry);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  const newLog = async () =>
    String(
      (
        await tdb.db
          .insertInto('tenantry.job_logs')
          .values({
            tenant_id: 'acme',
            task: 'probe',
            queue: 'default',
            max_attempts: 50,
            payload: '{}',
            meta: '{}',
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
  const update = (id: string, set: Record<string, unknown>) =>
    tdb.db.updateTable('tenantry.job_logs').set(set).where('id', '=', id).execute();
  const history = async (id: string) =>
    (
      await sql<{ attempt_errors: { attempt: number; status: string; message: string }[] | null }>`
        SELECT attempt_errors FROM tenantry.job_logs WHERE id = ${id}`.execute(tdb.db)
    ).rows[0]!.attempt_errors?.map((e) => [e.attempt, e.status, e.message]) ?? null;

  it('records a failure written after the start, or with it in one update, and nothing else', async () => {
    const id = await newLog();
    await update(id, { status: 'running', attempts: 1 });
    await update(id, { progress: 50 });
    expect(await history(id)).toBeNull();
    await update(id, { status: 'pending', error_message: 'boom 1' });
    // The start and the failure of the next attempt written together (one outcome batch).
    await update(id, { status: 'pending', attempts: 2, error_message: 'boom 2' });
    // A write that changes nothing about the attempt (a slot-time charge, a note) adds nothing.
    await update(id, { step: 'waiting' });
    await update(id, { status: 'running', attempts: 3 });
    await update(id, { status: 'completed', progress: 100 });
    expect(await history(id)).toEqual([
      [1, 'pending', 'boom 1'],
      [2, 'pending', 'boom 2'],
    ]);
  });

  it('keeps the newest 25, messages cut to 1,000 characters', async () => {
    const id = await newLog();
    for (let attempt = 1; attempt <= 30; attempt++) {
      await update(id, { status: 'running', attempts: attempt });
      await update(id, {
        status: attempt === 30 ? 'failed' : 'pending',
        error_message: `e${attempt} ${'x'.repeat(2000)}`,
      });
    }
    const kept = (await history(id))!;
    expect(kept).toHaveLength(25);
    expect(kept.map(([attempt]) => attempt)).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
    expect(kept.at(-1)![1]).toBe('failed');
    expect((kept[0]![2] as string).length).toBe(1000);
  });

  it('is part of one job log in the API, oldest first, with paths redacted like error_message', async () => {
    const id = await newLog();
    await update(id, { status: 'running', attempts: 1 });
    await update(id, { status: 'pending', error_message: 'ENOENT: open /srv/app/secret/config.json' });
    const res = await app.inject({ method: 'GET', url: `/api/job-logs/${id}`, headers: acme });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.attempt_errors).toEqual([
      { attempt: 1, at: expect.stringMatching(/Z$/), status: 'pending', message: body.error_message },
    ]);
    // Lists stay small: no history there.
    const list = await app.inject({ method: 'GET', url: '/api/job-logs', headers: acme });
    expect(list.json().job_logs[0]).not.toHaveProperty('attempt_errors');
  });
});
