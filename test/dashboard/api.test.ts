import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Insertable, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import type { JobLogsTable } from '../../src/db/schema.ts';
import type { App } from '../../src/http/app.ts';
import { MAX_STREAMS_PER_KEY } from '../../src/http/stream-access.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { jobLog } from '../helpers/worker.ts';

const admin = bearer(ADMIN_KEY);

describe('dashboard API', () => {
  let tdb: TestDatabase;
  let app: App;
  let acme: Record<string, string>;
  let globex: Record<string, string>;

  const insertLog = (row: Partial<Insertable<JobLogsTable>>) =>
    tdb.db
      .insertInto('tenantry.job_logs')
      .values({
        task: 'send-notification',
        queue: 'default',
        max_attempts: 1,
        payload: '{}',
        meta: '{}',
        ...row,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => String(r.id));
  const get = (url: string, headers: Record<string, string> = admin) =>
    app.inject({ method: 'GET', url, headers });
  const post = (url: string, body: unknown, headers: Record<string, string> = admin) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const later = () => new Date(Date.now() + 3_600_000);
  const dispatch = async (tenant: string, n = 1, runAt = later()) =>
    (
      await dispatchJobs(
        tdb.db,
        registry,
        Array.from({ length: n }, () => ({
          task: 'send-notification',
          tenant,
          payload: { channel: 'sms', to: '+1', message: 'x' },
          runAt,
        })),
      )
    ).map((j) => j.id);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    ({ acme, globex } = await tenantsWithKeys(tdb, 'acme', 'globex'));
    app = await buildTestApp(tdb.db, {}, registry, { connectionString: tdb.url });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('says whose key it is', async () => {
    expect((await get('/api/session')).json()).toEqual({ kind: 'admin', tenant: null, tenant_name: null });
    expect((await get('/api/session', acme)).json()).toEqual({
      kind: 'tenant',
      tenant: 'acme',
      tenant_name: 'acme',
    });
    expect((await get('/api/session', bearer('tnt_nope-nope-nope-nope-nope'))).statusCode).toBe(401);
  });

  it('buckets finished jobs by minute and half hour, per tenant for tenant keys', async () => {
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo);
    await insertLog({
      tenant_id: 'acme',
      status: 'completed',
      created_at: at(120_000),
      finished_at: at(90_000),
    });
    await insertLog({
      tenant_id: 'acme',
      status: 'failed',
      created_at: at(120_000),
      finished_at: at(90_000),
    });
    await insertLog({
      tenant_id: 'globex',
      status: 'completed',
      created_at: at(120_000),
      finished_at: at(60_000),
    });
    await insertLog({
      tenant_id: 'acme',
      status: 'completed',
      created_at: at(5 * 3_600_000),
      finished_at: at(5 * 3_600_000),
    });
    const mine = (await get('/api/stats/throughput', acme)).json();
    expect(mine.hour.bucket_seconds).toBe(60);
    expect(mine.hour.buckets).toHaveLength(60);
    expect(mine.hour.totals).toEqual({ completed: 1, failed: 1, cancelled: 0 });
    expect(mine.day.totals).toEqual({ completed: 2, failed: 1, cancelled: 0 });
    const all = (await get('/api/stats/throughput', admin)).json();
    expect(all.hour.totals.completed).toBe(2);
    expect((await get('/api/stats/throughput?tenant=globex', admin)).json().hour.totals.completed).toBe(1);
    expect((await get('/api/stats/throughput?tenant=globex', acme)).statusCode).toBe(404);
  });

  it('bulk-retries and cancels within the scope, counts first, and acts at most `limit` per call', async () => {
    const acmeFailed: string[] = [];
    for (let i = 0; i < 3; i++)
      acmeFailed.push(await insertLog({ tenant_id: 'acme', status: 'failed', task: 'bulk-probe' }));
    const globexFailed = await insertLog({ tenant_id: 'globex', status: 'failed', task: 'bulk-probe' });
    const filter = { task: 'bulk-probe', status: 'failed' };
    const dry = (await post('/api/job-logs/retry', { filter, dry_run: true }, acme)).json();
    expect(dry).toEqual({
      action: 'retry',
      dry_run: true,
      matched: 3,
      done: [],
      skipped: [],
      remaining: 3,
      as_of: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
    });
    const first = (await post('/api/job-logs/retry', { filter, limit: 2 }, acme)).json();
    expect(first).toMatchObject({ matched: 3, remaining: 1 });
    expect(first.done).toEqual(acmeFailed.slice(0, 2));
    const second = (await post('/api/job-logs/retry', { filter }, acme)).json();
    expect(second).toMatchObject({ matched: 1, done: [acmeFailed[2]], remaining: 0 });
    for (const id of acmeFailed) expect((await jobLog(tdb.db, id)).status).toBe('pending');
    expect((await jobLog(tdb.db, globexFailed)).status).toBe('failed');
    expect((await post('/api/job-logs/retry', { filter: { tenant: 'globex' } }, acme)).statusCode).toBe(404);

    // Calls after a count pass its as_of: a retried job that fails again at once is not taken a
    // second time (without it, "retry all" retried the same jobs round after round).
    const again: string[] = [];
    for (let i = 0; i < 2; i++)
      again.push(await insertLog({ tenant_id: 'acme', status: 'failed', task: 'flaky-probe' }));
    const flaky = { task: 'flaky-probe', status: 'failed' };
    const count = (await post('/api/job-logs/retry', { filter: flaky, dry_run: true }, acme)).json();
    const one = (
      await post('/api/job-logs/retry', { filter: flaky, limit: 1, as_of: count.as_of }, acme)
    ).json();
    expect(one).toMatchObject({ done: [again[0]], remaining: 1, as_of: count.as_of });
    // It ends again (taken out of its lane by a cancel), recorded as a failure after the count.
    await post(`/api/job-logs/${again[0]}/cancel`, {}, acme);
    await sql`UPDATE tenantry.job_logs SET status = 'failed', finished_at = now() WHERE id = ${again[0]}`.execute(
      tdb.db,
    );
    const rest = (await post('/api/job-logs/retry', { filter: flaky, as_of: count.as_of }, acme)).json();
    expect(rest).toMatchObject({ done: [again[1]], remaining: 0 });
    expect((await post('/api/job-logs/cancel', { ids: [again[1]] }, acme)).json()).toMatchObject({
      remaining: 0,
    });

    const pending = await dispatch('acme', 2);
    const other = await dispatch('globex');
    const cancelled = (await post('/api/job-logs/cancel', { ids: [...pending, ...other] }, admin)).json();
    expect(cancelled).toMatchObject({ matched: 3, remaining: 0 });
    expect(cancelled.done.sort()).toEqual([...pending, ...other].sort());
    const bad = await post('/api/job-logs/cancel', { filter: { source_id: '1' } }, acme);
    expect(bad.statusCode).toBe(400);
    expect((await post('/api/job-logs/cancel', { filter: { nope: 1 } }, acme)).statusCode).toBe(400);
  });

  it('lists each tenant lane with the oldest ready job and its scheduler settings, and pages them', async () => {
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, concurrency, weight, rate_limit, rate_period_ms)
      VALUES ('acme', 3, 2, 100, 60000)`.execute(tdb.db);
    await dispatch('acme', 2, new Date(Date.now() - 60_000));
    await dispatch('globex', 1);
    const acmeQueues = (await get('/api/queues', acme)).json();
    // The first request starts the baseline shares are counted from.
    expect(acmeQueues.share_since).toBeNull();
    expect(acmeQueues.queues.every((q: { tenant: string }) => q.tenant === 'acme')).toBe(true);
    const notifications = acmeQueues.queues.find((q: { queue: string }) => q.queue === 'notifications');
    // No worker runs: admission has no room, so the due jobs wait in the lane.
    expect(notifications).toMatchObject({
      ready: 2,
      admitted: 0,
      running: 0,
      cap: 3,
      weight: 2,
      rate_limit: 100,
      rate_period_ms: 60_000,
      paused: false,
      fair_share: null,
      tenant_status: 'active',
    });
    expect(Date.parse(notifications.oldest_ready_at)).toBeLessThan(Date.now() - 30_000);
    const one = (await get('/api/queues?page_size=1')).json();
    expect(one.queues).toHaveLength(1);
    expect(Date.parse(one.share_since)).toBeLessThanOrEqual(Date.now());
    const two = (await get(`/api/queues?page_size=1&page_token=${one.next_page_token}`)).json();
    expect(two.queues[0]).not.toEqual(one.queues[0]);
    const attention = (await get('/api/stats/attention')).json();
    // Summed over the tenant's lanes: these two and the three retried by the bulk test above.
    expect(attention.oldest_waiting[0]).toMatchObject({ tenant: 'acme', ready: 5 });
    expect(attention.most_failures.map((t: { tenant: string }) => t.tenant)).toContain('acme');
  });

  it('flags a worker whose heartbeat is older than three intervals', async () => {
    await sql`INSERT INTO tenantry.workers (id, hostname, pid, concurrency, last_seen_at, stats)
      VALUES ('w-fresh', 'h', 1, 2, now(), '{"processed": 5, "active": 1}'),
             ('w-stale', 'h', 2, 2, now() - interval '45 seconds', '{}')`.execute(tdb.db);
    const body = (await get('/api/workers')).json();
    expect(body.heartbeat_interval_ms).toBe(10_000);
    expect(body.stalled_after_ms).toBe(30_000);
    const byId = Object.fromEntries(body.workers.map((w: { id: string }) => [w.id, w]));
    expect(byId['w-fresh']).toMatchObject({ stalled: false, stats: { processed: 5, active: 1, failed: 0 } });
    expect(byId['w-stale'].stalled).toBe(true);
    expect(byId['w-stale'].heartbeat_age_ms).toBeGreaterThanOrEqual(45_000);
    expect((await get('/api/workers', acme)).statusCode).toBe(403);
  });

  it('lists the crontab with next runs and the outcome of recent cron runs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-crontab-'));
    const crontab = path.join(dir, 'crontab');
    await writeFile(
      crontab,
      '# Nightly cleanup.\n0 5 * * * tenant-maintenance ?max=1&id=daily-cleanup {cleanup_days:365}\n*/10 * * * * cache-sweep\n',
    );
    const cronApp = await buildTestApp(tdb.db, {}, registry, {
      config: parseConfig({ LOG_LEVEL: 'silent', CRONTAB_FILE: crontab }),
    });
    try {
      const cron = JSON.stringify({ cron: { ts: '2026-01-01T05:00:00Z' } });
      await insertLog({
        task: 'tenant-maintenance',
        payload: '{"cleanup_days": 365}',
        meta: cron,
        status: 'failed',
        error_message: 'disk full',
      });
      await insertLog({
        task: 'tenant-maintenance',
        payload: '{"vacuum": true}',
        meta: cron,
        status: 'completed',
      });
      await insertLog({ task: 'cache-sweep', payload: '{}', meta: '{}', status: 'completed' });
      const res = await cronApp.inject({ method: 'GET', url: '/api/schedules', headers: admin });
      expect(res.statusCode).toBe(200);
      const rows = res.json().schedules;
      expect(rows.map((s: { identifier: string }) => s.identifier)).toEqual(['cache-sweep', 'daily-cleanup']);
      const cleanup = rows[1];
      expect(cleanup).toMatchObject({
        expression: '0 5 * * *',
        description: 'Nightly cleanup.',
        payload: { cleanup_days: 365 },
      });
      expect(cleanup.recent_runs).toEqual([
        expect.objectContaining({ status: 'failed', error_message: 'disk full' }),
      ]);
      expect(rows[0].recent_runs).toEqual([]);
      expect(Date.parse(cleanup.next_run_at)).toBeGreaterThan(Date.now());
    } finally {
      await cronApp.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('summarises tenants: keys, cache, backup warning, maintenance, failures', async () => {
    await sql`INSERT INTO tenantry.backups (tenant_id, file_name, size_bytes, sha256, encrypted, created_at)
      VALUES ('globex', 'tenant_globex_2026-01-01_02-00-00.dump', 10, repeat('0', 64), false, now() - interval '3 days')`.execute(
      tdb.db,
    );
    const body = (await get('/api/stats/tenants')).json();
    const byId = Object.fromEntries(body.tenants.map((t: { id: string }) => [t.id, t]));
    expect(byId.acme).toMatchObject({
      key_count: 1,
      backup_warning: 'no backup',
      cache_entries: 0,
      status: 'active',
    });
    expect(byId.globex.backup_warning).toBe('newest backup is older than 48 hours');
    expect(byId.acme.failed_last_24h).toBeGreaterThanOrEqual(1);
    const page = (await get('/api/stats/tenants?page_size=1')).json();
    expect(page.tenants.map((t: { id: string }) => t.id)).toEqual(['acme']);
    const next = (await get(`/api/stats/tenants?page_size=1&page_token=${page.next_page_token}`)).json();
    expect(next.tenants.map((t: { id: string }) => t.id)).toEqual(['globex']);
    expect((await get('/api/stats/tenants', acme)).statusCode).toBe(403);
  });

  it("streams a page's job changes, each principal's own only", async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const open = async (headers: Record<string, string>) => {
      const controller = new AbortController();
      const res = await fetch(`${base}/api/events`, { headers, signal: controller.signal });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const until = async (pattern: RegExp) => {
        while (!pattern.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${pattern}`);
          text += value;
        }
        return text;
      };
      return { until, text: () => text, close: () => controller.abort() };
    };
    const acmeStream = await open(acme);
    const adminStream = await open(admin);
    try {
      await acmeStream.until(/event: ready/);
      await adminStream.until(/event: ready/);
      const [globexJob] = await dispatch('globex');
      const [acmeJob] = await dispatch('acme');
      await post(`/api/job-logs/${globexJob}/cancel`, {}, globex);
      await post(`/api/job-logs/${acmeJob}/cancel`, {}, acme);
      await adminStream.until(new RegExp(`"id":"${globexJob}"[^\\n]*`));
      await adminStream.until(new RegExp(`"id":"${acmeJob}"`));
      await acmeStream.until(new RegExp(`event: jobs\\ndata: .*"id":"${acmeJob}"`));
      expect(acmeStream.text()).not.toContain('globex');
    } finally {
      acmeStream.close();
      adminStream.close();
    }
  });

  it('holds at most MAX_STREAMS_PER_KEY event streams per key: the next is a 429, and a closed one frees a place', async () => {
    if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const controllers: AbortController[] = [];
    const open = async (headers: Record<string, string>) => {
      const controller = new AbortController();
      const res = await fetch(`${base}/api/events`, { headers, signal: controller.signal });
      if (res.status === 200) {
        controllers.push(controller);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = '';
        while (!text.includes('event: ready')) text += (await reader.read()).value ?? '';
      }
      return res;
    };
    try {
      for (let i = 0; i < MAX_STREAMS_PER_KEY; i++) expect((await open(acme)).status).toBe(200);
      const refused = await open(acme);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(
        /event streams open, the most one key may/,
      );
      // Another key is not held back by acme's streams.
      expect((await open(globex)).status).toBe(200);
      controllers.shift()!.abort();
      await expect.poll(async () => (await open(acme)).status).toBe(200);
    } finally {
      for (const c of controllers) c.abort();
    }
  });

  it("serves its pages whatever their query strings hold: a broken link is the page's to report", async () => {
    const page = await app.inject({ method: 'GET', url: '/dashboard/jobs?task=%FF' });
    expect(page.statusCode, page.body.slice(0, 200)).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    // The API itself still refuses it, naming the parameter.
    const api = await app.inject({
      method: 'GET',
      url: '/api/job-logs?task=%FF',
      headers: bearer(ADMIN_KEY),
    });
    expect([api.statusCode, api.json().field]).toEqual([400, 'task']);
  });

  it('answers 503 problem+json at /dashboard when the dashboard was not built', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'tenantry-nodash-'));
    const bare = await buildTestApp(tdb.db, {}, registry, { dashboardDir: empty });
    try {
      const res = await bare.inject({ method: 'GET', url: '/dashboard/' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().detail).toContain('npm run build:dashboard');
      const redirect = await bare.inject({ method: 'GET', url: '/dashboard?x=1' });
      expect(redirect.statusCode).toBe(302);
      expect(redirect.headers.location).toBe('/dashboard/?x=1');
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
