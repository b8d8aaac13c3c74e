import { type Insertable, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobLogsTable } from '../../src/db/schema.ts';
import type { App } from '../../src/http/app.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { probe } from '../fixtures/tasks.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { jobLog } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

describe('job-logs API', () => {
  let tdb: TestDatabase;
  let app: App;
  let acme: Record<string, string>;
  let globex: Record<string, string>;
  const admin = bearer(ADMIN_KEY);

  const insertLog = (row: Partial<Insertable<JobLogsTable>>) =>
    tdb.db
      .insertInto('tenantry.job_logs')
      .values({ task: 'probe', queue: 'default', max_attempts: 2, payload: '{}', meta: '{}', ...row })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => String(r.id));
  const dispatch = async (tenant: string, runAt = new Date(Date.now() + 3_600_000)) =>
    (await dispatchJobs(tdb.db, tasks, [{ task: 'probe', tenant, payload: { mode: 'ok' }, runAt }]))[0]!.id;
  const get = (url: string, headers = acme) => app.inject({ method: 'GET', url, headers });
  /** The fixed rows' day, ten days back (inside the stats' window), at midnight UTC, plus `days`. */
  const midnight = new Date(Date.now() - 10 * 86_400_000).setUTCHours(0, 0, 0, 0);
  const day = (days: number) => new Date(midnight + days * 86_400_000).toISOString();
  let base: number;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    ({ acme, globex } = await tenantsWithKeys(tdb, 'acme', 'globex'));
    app = await buildTestApp(tdb.db, {}, tasks);
    base = Date.parse(day(0));
    for (let i = 0; i < 7; i++) {
      await insertLog({
        tenant_id: i % 2 === 0 ? 'acme' : 'globex',
        status: i < 3 ? 'completed' : 'failed',
        task: i === 6 ? 'other' : 'probe',
        duration_ms: 100 * (i + 1),
        source_type: i === 0 ? 'appointment' : null,
        source_id: i === 0 ? '9' : null,
        created_at: new Date(base + i * 1000),
      });
    }
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('lists only the key’s tenant, newest first, paging by token without gaps or repeats', async () => {
    const first = await get(`/api/job-logs?page_size=2&created_before=${day(1)}`);
    expect(first.statusCode).toBe(200);
    const one = first.json();
    expect(one.job_logs.map((l: { tenant: string }) => l.tenant)).toEqual(['acme', 'acme']);
    expect(one.job_logs[0].created_at > one.job_logs[1].created_at).toBe(true);
    // A row created while paging lands before the cursor and does not shift later pages.
    await insertLog({ tenant_id: 'acme', created_at: new Date(base + 30_000) });
    const two = (
      await get(`/api/job-logs?page_size=2&created_before=${day(1)}&page_token=${one.next_page_token}`)
    ).json();
    expect(two.next_page_token).toBeNull();
    const ids = [...one.job_logs, ...two.job_logs].map((l: { id: string }) => l.id);
    expect(new Set(ids).size).toBe(4);
    expect(two.job_logs.at(-1).created_at).toBe(day(0));
  });

  it('filters by status, task, source and tenant (admin), and rejects a bad token', async () => {
    const failed = (await get(`/api/job-logs?status=failed&created_before=${day(1)}`, admin)).json();
    expect(failed.job_logs).toHaveLength(4);
    const other = (await get('/api/job-logs?task=other', admin)).json();
    expect(other.job_logs.map((l: { tenant: string }) => l.tenant)).toEqual(['acme']);
    const source = (await get('/api/job-logs?source_type=appointment&source_id=9')).json();
    expect(source.job_logs).toHaveLength(1);
    expect(source.job_logs[0].source).toEqual({ type: 'appointment', id: '9' });
    const globexOnly = (await get(`/api/job-logs?tenant=globex&created_before=${day(1)}`, admin)).json();
    expect(globexOnly.job_logs).toHaveLength(3);
    expect((await get('/api/job-logs?tenant=globex')).statusCode).toBe(404);
    const bad = await get('/api/job-logs?page_token=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('page_token');
  });

  it('shows one whole row with its label, and 404s another tenant’s', async () => {
    const id = await insertLog({
      tenant_id: 'acme',
      status: 'failed',
      error_message: 'boom',
      error_stack: 'Error: boom',
      attempts: 2,
    });
    const res = await get(`/api/job-logs/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: 'failed',
      status_label: 'Failed',
      attempts: 2,
      max_attempts: 2,
      error_message: 'boom',
      error_stack: 'Error: boom',
    });
    expect((await get(`/api/job-logs/${id}`, globex)).statusCode).toBe(404);
    expect((await get(`/api/job-logs/${id}`, admin)).statusCode).toBe(200);
  });

  it('reports stats by status and task within the window, per tenant for admins', async () => {
    const since = day(-1);
    const mine = (await get(`/api/job-logs/stats?since=${since}`)).json();
    // A window past 31 days is refused, naming the field (three aggregates over it, on demand).
    const tooLong = await get(`/api/job-logs/stats?since=${day(-30)}`);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ field: 'since' });
    expect(mine.by_tenant).toBeUndefined();
    expect(mine.by_task.find((t: { task: string }) => t.task === 'other')).toMatchObject({
      total: 1,
      failed: 1,
      avg_duration_ms: 700,
    });
    const all = (await get(`/api/job-logs/stats?since=${since}`, admin)).json();
    expect(all.by_tenant.map((t: { tenant: string }) => t.tenant).sort()).toEqual(['acme', 'globex']);
    expect(all.now).toEqual({
      pending: expect.any(Number),
      running: expect.any(Number),
      scheduled: expect.any(Number),
    });
  });

  it('cancels a pending job, refuses twice, retries it on the same row, and hides it from others', async () => {
    const id = await dispatch('acme');
    const post = (action: string, headers = acme) =>
      app.inject({ method: 'POST', url: `/api/job-logs/${id}/${action}`, headers });
    expect((await post('cancel', globex)).statusCode).toBe(404);
    const cancelled = await post('cancel');
    expect(cancelled.statusCode).toBe(202);
    expect(cancelled.json()).toEqual({ id, status: 'cancelled' });
    expect((await post('cancel')).statusCode).toBe(409);
    expect((await post('retry', globex)).statusCode).toBe(404);
    const retried = await post('retry');
    expect(retried.statusCode).toBe(202);
    expect((await jobLog(tdb.db, id)).status).toBe('pending');
    expect((await post('retry')).statusCode).toBe(409);
  });

  it('cleans up only finished rows older than N days, of the key’s tenant only', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    const pendingOld = await insertLog({ tenant_id: 'acme', status: 'pending', created_at: old });
    const runningOld = await insertLog({ tenant_id: 'acme', status: 'running', created_at: old });
    const globexOld = await insertLog({ tenant_id: 'globex', status: 'completed', created_at: old });
    const before = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.job_logs
      WHERE tenant_id = 'acme' AND status <> 'pending' AND status <> 'running'
        AND created_at < now() - interval '30 days'`.execute(tdb.db);
    const res = await app.inject({
      method: 'DELETE',
      url: '/api/job-logs/cleanup?older_than_days=30',
      headers: acme,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ deleted: before.rows[0]!.n });
    for (const id of [pendingOld, runningOld, globexOld]) expect((await jobLog(tdb.db, id)).id).toBe(id);
    const bad = await app.inject({ method: 'DELETE', url: '/api/job-logs/cleanup', headers: acme });
    expect(bad.statusCode).toBe(400);
  });

  it('lets an admin clean up one tenant’s rows, and a tenant key no other tenant’s', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    const acmeOld = await insertLog({ tenant_id: 'acme', status: 'completed', created_at: old });
    const globexOld = await insertLog({ tenant_id: 'globex', status: 'failed', created_at: old });
    const cleanup = (query: string, headers: Record<string, string>) =>
      app.inject({ method: 'DELETE', url: `/api/job-logs/cleanup?older_than_days=30${query}`, headers });
    expect((await cleanup('&tenant=globex', acme)).statusCode).toBe(404);
    const res = await cleanup('&tenant=globex', admin);
    expect(res.statusCode).toBe(200);
    expect(res.json().deleted).toBeGreaterThanOrEqual(1);
    expect(await sql`SELECT 1 FROM tenantry.job_logs WHERE id = ${globexOld}`.execute(tdb.db)).toMatchObject({
      rows: [],
    });
    expect((await jobLog(tdb.db, acmeOld)).id).toBe(acmeOld);
  });

  it('shows stacks without absolute server paths, and leaves large fields out of list rows', async () => {
    const root = process.cwd();
    const id = await insertLog({
      tenant_id: 'acme',
      status: 'failed',
      payload: JSON.stringify({ marker: 'in-payload' }),
      error_message: `could not read ${root}/src/tasks/x.ts`,
      error_stack: [
        `Error: boom at ${root}/src/tasks/x.ts`,
        `    at handler (${root}/src/tasks/x.ts:10:5)`,
        `    at run (file://${root}/node_modules/graphile-worker/dist/main.js:1:2)`,
        '    at other (/opt/elsewhere/lib/thing.js:3:4)',
        '    at node:internal/process/task_queues:95:5',
      ].join('\n'),
    });
    const one = (await get(`/api/job-logs/${id}`)).json();
    expect(one.error_stack).not.toContain(root);
    expect(one.error_stack).not.toContain('/opt/elsewhere');
    expect(one.error_stack).toContain('(src/tasks/x.ts:10:5)');
    expect(one.error_stack).toContain('(node_modules/graphile-worker/dist/main.js:1:2)');
    expect(one.error_stack).toContain('(thing.js:3:4)');
    expect(one.error_message).toBe('could not read src/tasks/x.ts');
    const listed = (await get('/api/job-logs?status=failed&page_size=200')).json().job_logs;
    const row = listed.find((r: { id: string }) => r.id === id);
    expect(row).toBeDefined();
    for (const field of ['payload', 'meta', 'result', 'error_stack']) expect(row).not.toHaveProperty(field);
  });
});
