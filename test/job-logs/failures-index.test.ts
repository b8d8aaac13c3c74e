import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { bulkAct } from '../../src/job-logs/bulk.ts';
import { type JobLogFilters, listJobLogs } from '../../src/job-logs/repository.ts';
import { registry } from '../../src/tasks/index.ts';
import { buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * Failed and cancelled job logs are listed through job_log_failures (migrations/0045), which
 * triggers keep: whatever writes a log's status (a worker's batch, a cancel, a retry, a
 * cleanup, a tenant's removal), the table holds exactly the failed and cancelled logs, and a
 * page read through it is the page the whole history would give.
 */
describe('the index of failed and cancelled job logs', () => {
  let tdb: TestDatabase;
  let app: App;
  let headers: Record<'fa' | 'fb', Record<string, string>>;

  /** The logs job_log_failures should hold, read from job_logs itself. */
  const expected = async () =>
    (
      await sql<{ id: string; status: string; tenant_id: string | null }>`
        SELECT id::text, status, tenant_id FROM tenantry.job_logs
        WHERE status IN ('failed', 'cancelled') ORDER BY job_logs.id`.execute(tdb.db)
    ).rows;
  const indexed = async () =>
    (
      await sql<{ id: string; status: string; tenant_id: string | null }>`
        SELECT log_id::text AS id, outcome AS status, log_tenant AS tenant_id FROM tenantry.job_log_failures
        ORDER BY log_id`.execute(tdb.db)
    ).rows;
  /** Every page of a filter, `size` at a time, as the API pages (keyset on created_at, id). */
  const allPages = async (filters: JobLogFilters, size: number) => {
    const ids: string[] = [];
    let after: [string, string] | undefined;
    for (;;) {
      const rows = await listJobLogs(tdb.db, filters, size, after);
      ids.push(...rows.map((r) => r.id));
      if (rows.length < size) return ids;
      const last = rows[rows.length - 1]!;
      after = [last.cursor_at, last.id];
    }
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'fa', 'fb');
    app = await buildTestApp(tdb.db, {}, registry);
    // 600 logs over two tenants and central work, statuses mixed, several sharing a created_at.
    await sql`
      INSERT INTO tenantry.job_logs (tenant_id, task, queue, status, max_attempts, attempts, created_at, finished_at)
      SELECT (ARRAY['fa', 'fb', NULL])[1 + i % 3], (ARRAY['send-notification', 'queue-gc'])[1 + i % 2], 'default',
             (ARRAY['completed', 'failed', 'completed', 'cancelled', 'completed', 'running', 'failed'])[1 + i % 7],
             3, 1, timestamptz '2026-11-01' + make_interval(secs => i / 4), timestamptz '2026-11-01'
      FROM generate_series(1, 600) i`.execute(tdb.db);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('holds exactly the failed and cancelled logs, through every kind of change', async () => {
    expect((await indexed()).length).toBeGreaterThan(200);
    expect(await indexed()).toEqual(await expected());
    // A retry (back to pending), a failure, a cancellation, a failed log cancelled, a completion.
    await sql`UPDATE tenantry.job_logs SET status = 'pending'
              WHERE id IN (SELECT id FROM tenantry.job_logs WHERE status = 'failed' ORDER BY id LIMIT 20)`.execute(
      tdb.db,
    );
    await sql`UPDATE tenantry.job_logs SET status = CASE WHEN id % 2 = 0 THEN 'failed' ELSE 'cancelled' END
              WHERE status = 'running'`.execute(tdb.db);
    await sql`UPDATE tenantry.job_logs SET status = 'cancelled'
              WHERE id IN (SELECT id FROM tenantry.job_logs WHERE status = 'failed' ORDER BY id DESC LIMIT 5)`.execute(
      tdb.db,
    );
    await sql`UPDATE tenantry.job_logs SET status = 'completed' WHERE status = 'pending'`.execute(tdb.db);
    expect(await indexed()).toEqual(await expected());
    // The cleanup of old logs and a tenant's removal take their failures with them.
    await sql`DELETE FROM tenantry.job_logs WHERE id % 5 = 0`.execute(tdb.db);
    await sql`DELETE FROM tenantry.tenants WHERE id = 'fb'`.execute(tdb.db);
    const left = await indexed();
    expect(left.some((r) => r.tenant_id === 'fb')).toBe(false);
    expect(left).toEqual(await expected());
  });

  it('pages failed and cancelled logs exactly as the whole history would', async () => {
    for (const filters of [
      { status: 'failed' },
      { status: 'cancelled' },
      { status: 'failed', tenantId: 'fa' },
      { status: 'cancelled', task: 'queue-gc' },
      {
        status: 'failed',
        createdAfter: new Date('2026-11-01T00:00:20Z'),
        createdBefore: new Date('2026-11-01T00:01:40Z'),
      },
    ] as const) {
      const { status, tenantId, task, createdAfter, createdBefore } = filters as JobLogFilters;
      const { rows } = await sql<{ id: string }>`
        SELECT id::text FROM tenantry.job_logs
        WHERE status = ${status}
          AND (${tenantId ?? null}::text IS NULL OR tenant_id = ${tenantId ?? null}::text)
          AND (${task ?? null}::text IS NULL OR task = ${task ?? null}::text)
          AND (${createdAfter ?? null}::timestamptz IS NULL OR created_at >= ${createdAfter ?? null}::timestamptz)
          AND (${createdBefore ?? null}::timestamptz IS NULL OR created_at < ${createdBefore ?? null}::timestamptz)
        ORDER BY created_at DESC, id DESC`.execute(tdb.db);
      expect(rows.length, JSON.stringify(filters)).toBeGreaterThan(5);
      // Pages of 7 end amid rows sharing a created_at: the cursor's id tie-break is exercised.
      expect(await allPages(filters, 7), JSON.stringify(filters)).toEqual(rows.map((r) => r.id));
    }
  });

  it('counts and retries failed logs in bulk through it, scoped to the tenant', async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.job_logs
      WHERE tenant_id = 'fa' AND status IN ('failed', 'cancelled')`.execute(tdb.db);
    const counted = await bulkAct(tdb.db, {
      action: 'retry',
      filters: { tenantId: 'fa', status: 'failed' },
      dryRun: true,
      limit: 200,
    });
    const failed = (await expected()).filter((r) => r.tenant_id === 'fa' && r.status === 'failed').length;
    expect(counted.matched).toBe(failed);
    expect(rows[0]!.n).toBeGreaterThan(failed);
  });

  it('follows a cancel and a retry made through the API', async () => {
    const dispatched = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: headers.fa,
      payload: { task: 'send-notification', payload: { channel: 'sms', to: '+1', message: 'hi' } },
    });
    expect(dispatched.statusCode, dispatched.body).toBe(202);
    const id = dispatched.json().id as string;
    const listed = async () =>
      (await app.inject({ url: '/api/job-logs?status=cancelled&page_size=5', headers: headers.fa }))
        .json()
        .job_logs.map((r: { id: string }) => r.id);
    expect(await listed()).not.toContain(id);
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${id}/cancel`,
      headers: headers.fa,
    });
    expect(cancelled.statusCode, cancelled.body).toBe(202);
    expect((await listed())[0]).toBe(id);
    const retried = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${id}/retry`,
      headers: headers.fa,
    });
    expect(retried.statusCode, retried.body).toBe(202);
    expect(await listed()).not.toContain(id);
    expect(await indexed()).toEqual(await expected());
  });

  it('is emptied with job_logs (TRUNCATE fires no row trigger)', async () => {
    expect((await indexed()).length).toBeGreaterThan(0);
    await sql`TRUNCATE tenantry.job_logs CASCADE`.execute(tdb.db);
    expect(await indexed()).toEqual([]);
  });
});
