import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import type { App } from '../../src/http/app.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { syncPlanLimits } from '../../src/jobs/plan-limits.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

const admin = bearer(ADMIN_KEY);

describe('GET and PATCH /api/tenants/:id/limits, pause and resume', () => {
  let tdb: TestDatabase;
  let app: App;
  let acme: Record<string, string>;

  const send = (
    method: 'GET' | 'PATCH' | 'POST',
    url: string,
    body?: unknown,
    headers: Record<string, string> = admin,
    type?: string,
  ) =>
    app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': type ?? 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const patch = (id: string, body: unknown, type?: string) =>
    send('PATCH', `/api/tenants/${id}/limits`, body, admin, type);
  const lanes = async (tenant: string) =>
    (
      await sql<{
        queue: string;
        cap: number;
        weight: number;
        rate_limit: number | null;
        rate_period_ms: number | null;
        paused: boolean;
        runnable: boolean;
      }>`
        SELECT queue, cap, weight, rate_limit, rate_period_ms, paused, runnable FROM tenantry.lanes
        WHERE tenant_id = ${tenant} ORDER BY queue`.execute(tdb.db)
    ).rows;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    ({ acme } = await tenantsWithKeys(tdb, 'acme', 'globex'));
    await syncPlanLimits(tdb.db, parseConfig({ PLAN_SCHEDULING: 'free:weight=2,rate=50/1s' }).planScheduling);
    app = await buildTestApp(tdb.db);
    // Lanes exist once a tenant has had a job on them: one delayed job each on two queues.
    await dispatchJobs(
      tdb.db,
      registry,
      ['notifications', 'default'].map((queue) => ({
        task: 'send-notification',
        tenant: 'acme',
        queue,
        payload: { channel: 'sms', to: '+1', message: 'x' },
        delayMs: 3_600_000,
      })),
    );
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('shows overrides, plan defaults and effective values, to the admin and to the tenant itself', async () => {
    const expected = {
      tenant: 'acme',
      plan: 'free',
      status: 'active',
      override: { concurrency: null, weight: null, rate: null },
      plan_defaults: { concurrency: 1, weight: 2, rate: { limit: 50, period_ms: 1000 } },
      effective: { concurrency: 1, weight: 2, rate: { limit: 50, period_ms: 1000 } },
      paused: false,
      paused_queues: [],
      queue_rates: {},
      rate_use: { tenant: 0, queues: {} },
      updated_at: null,
    };
    expect((await send('GET', '/api/tenants/acme/limits')).json()).toEqual(expected);
    expect((await send('GET', '/api/tenants/acme/limits', undefined, acme)).json()).toEqual(expected);
    expect((await send('GET', '/api/tenants/globex/limits', undefined, acme)).statusCode).toBe(404);
    expect((await send('GET', '/api/tenants/nope/limits')).statusCode).toBe(404);
  });

  it('applies a patch to the lanes at once, and merges a merge-patch into it', async () => {
    const res = await patch('acme', { concurrency: 3, weight: 0.5, rate: { limit: 10, period_ms: 60_000 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      override: { concurrency: 3, weight: 0.5, rate: { limit: 10, period_ms: 60_000 } },
      effective: { concurrency: 3, weight: 0.5, rate: { limit: 10, period_ms: 60_000 } },
      plan_defaults: { concurrency: 1, weight: 2 },
    });
    expect(Date.parse(res.json().updated_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(await lanes('acme')).toEqual(
      ['default', 'notifications'].map((queue) => ({
        queue,
        cap: 3,
        weight: 0.5,
        rate_limit: 10,
        rate_period_ms: 60_000,
        paused: false,
        runnable: true,
      })),
    );

    const merged = await patch(
      'acme',
      { rate: { limit: 20 }, concurrency: null },
      'application/merge-patch+json',
    );
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toMatchObject({
      override: { concurrency: null, weight: 0.5, rate: { limit: 20, period_ms: 60_000 } },
      effective: { concurrency: 1, weight: 0.5, rate: { limit: 20, period_ms: 60_000 } },
    });
    expect((await lanes('acme')).map((l) => [l.cap, l.rate_limit])).toEqual([
      [1, 20],
      [1, 20],
    ]);

    const back = await patch('acme', { weight: null, rate: null });
    expect(back.json().effective).toEqual({
      concurrency: 1,
      weight: 2,
      rate: { limit: 50, period_ms: 1000 },
    });
    expect((await lanes('acme'))[0]).toMatchObject({ weight: 2, rate_limit: 50, rate_period_ms: 1000 });
    // An empty patch changes nothing.
    expect((await patch('acme', {})).json().effective).toEqual(back.json().effective);
  });

  it('sets, replaces and removes rate limits of single queues, and their lanes follow at once', async () => {
    const queueLanes = async () =>
      (
        await sql<{ queue: string; limit: number | null; period: number | null }>`
          SELECT queue, queue_rate_limit AS limit, queue_rate_period_ms AS period FROM tenantry.lanes
          WHERE tenant_id = 'globex' ORDER BY queue`.execute(tdb.db)
      ).rows;
    // Lanes exist once the tenant has had a job on them.
    await dispatchJobs(
      tdb.db,
      registry,
      ['notifications', 'default'].map((queue) => ({
        task: 'send-notification',
        tenant: 'globex',
        queue,
        payload: { channel: 'sms', to: '+1', message: 'x' },
        delayMs: 3_600_000,
      })),
    );
    const set = await patch('globex', {
      queue_rates: {
        notifications: { limit: 10, period_ms: 60_000 },
        reports: { limit: 3, period_ms: 1000 },
      },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().queue_rates).toEqual({
      notifications: { limit: 10, period_ms: 60_000 },
      reports: { limit: 3, period_ms: 1000 },
    });
    // The tenant's own rate stays what it was (its plan's).
    expect(set.json().effective.rate).toEqual({ limit: 50, period_ms: 1000 });
    expect(await queueLanes()).toEqual([
      { queue: 'default', limit: null, period: null },
      { queue: 'notifications', limit: 10, period: 60_000 },
    ]);
    // A lane made later gets its queue's limit too.
    await dispatchJobs(tdb.db, registry, [
      {
        task: 'send-notification',
        tenant: 'globex',
        queue: 'reports',
        payload: { channel: 'sms', to: '+1', message: 'x' },
        delayMs: 3_600_000,
      },
    ]);
    expect((await queueLanes()).find((l) => l.queue === 'reports')).toEqual({
      queue: 'reports',
      limit: 3,
      period: 1000,
    });
    // Merged per queue: one replaced, one removed, the other left.
    const merged = await patch('globex', {
      queue_rates: { notifications: { limit: 20, period_ms: 60_000 }, reports: null },
    });
    expect(merged.json().queue_rates).toEqual({ notifications: { limit: 20, period_ms: 60_000 } });
    expect(await queueLanes()).toEqual([
      { queue: 'default', limit: null, period: null },
      { queue: 'notifications', limit: 20, period: 60_000 },
      { queue: 'reports', limit: null, period: null },
    ]);
    expect((await send('GET', '/api/tenants/globex/limits')).json().queue_rates).toEqual({
      notifications: { limit: 20, period_ms: 60_000 },
    });
    const cleared = await patch('globex', { queue_rates: null });
    expect(cleared.json().queue_rates).toEqual({});
    expect((await queueLanes()).every((l) => l.limit === null)).toBe(true);
  });

  it("shows what the tenant's rate windows hold now, the tenant's and each limited queue's", async () => {
    await patch('globex', {
      rate: { limit: 100, period_ms: 1000 },
      queue_rates: { reports: { limit: 5, period_ms: 60_000 } },
    });
    const now = Number(
      (
        await sql<{
          ms: string;
        }>`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms`.execute(tdb.db)
      ).rows[0]!.ms,
    );
    // Charges as admission and the start gate make them (migrations/0025): 3 in the tenant's
    // window now, 4 more that left it; 2 in the reports queue's.
    await sql`INSERT INTO tenantry.rate_windows (tenant_id, scope, ends, counts)
              VALUES ('globex', '', ARRAY[${now - 1500}, ${now + 10}]::bigint[], '{4,3}'),
                     ('globex', 'reports', ARRAY[${now + 10}]::bigint[], '{2}')
              ON CONFLICT (tenant_id, scope) DO UPDATE SET ends = excluded.ends, counts = excluded.counts`.execute(
      tdb.db,
    );
    const limits = (await send('GET', '/api/tenants/globex/limits')).json();
    expect(limits.rate_use).toEqual({ tenant: 3, queues: { reports: 2 } });
    expect((await send('GET', '/api/tenants/globex/health')).json().scheduling.rate_use).toEqual({
      tenant: 3,
      queues: { reports: 2 },
    });
    // The queue's limit removed, its window is not shown; the tenant's override removed, its
    // plan's rate (50 a second) counts the same window.
    await patch('globex', { rate: null, queue_rates: null });
    const plan = (await send('GET', '/api/tenants/globex/limits')).json();
    expect(plan.effective.rate).toEqual({ limit: 50, period_ms: 1000 });
    expect(plan.rate_use).toEqual({ tenant: 3, queues: {} });
  });

  it('answers bad input with 400 problem+json naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ concurrency: 0 }, 'concurrency'],
      [{ concurrency: 1001 }, 'concurrency'],
      [{ concurrency: 2.5 }, 'concurrency'],
      [{ weight: 0 }, 'weight'],
      [{ weight: 'heavy' }, 'weight'],
      [{ rate: { limit: 0, period_ms: 1000 } }, 'rate.limit'],
      [{ rate: { limit: 5, period_ms: 50 } }, 'rate.period_ms'],
      [{ rate: { limit: 5, every: 1000 } }, 'rate.every'],
      [{ rate: 100 }, 'rate'],
      [{ paused: 'yes' }, 'paused'],
      [{ paused_queues: ['ok', 'Not Ok'] }, 'paused_queues.1'],
      [{ queue_rates: { reports: { limit: 0, period_ms: 1000 } } }, 'queue_rates.reports.limit'],
      [{ queue_rates: { reports: { limit: 5 } } }, 'queue_rates.reports.period_ms'],
      [{ queue_rates: { reports: 10 } }, 'queue_rates.reports'],
      [{ queue_rates: { 'Not Ok': { limit: 5, period_ms: 1000 } } }, 'queue_rates.Not Ok'],
      [{ queue_rates: [] }, 'queue_rates'],
      [{ sideways: true }, 'sideways'],
    ];
    for (const [body, field] of cases) {
      const res = await patch('acme', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().field, JSON.stringify(body)).toBe(field);
    }
    // Half a rate where there is no rate override to merge it into.
    const half = await patch('globex', { rate: { limit: 5 } });
    expect(half.statusCode).toBe(400);
    expect(half.json().field).toBe('rate.period_ms');
    expect((await send('POST', '/api/tenants/acme/pause', { queue: 'Bad Queue' })).json().field).toBe(
      'queue',
    );
  });

  it('is admin-only for changes (403 for tenant keys) and 404 for a missing tenant', async () => {
    expect((await send('PATCH', '/api/tenants/acme/limits', { concurrency: 5 }, acme)).statusCode).toBe(403);
    expect((await send('POST', '/api/tenants/acme/pause', undefined, acme)).statusCode).toBe(403);
    expect((await send('POST', '/api/tenants/acme/resume', {}, acme)).statusCode).toBe(403);
    for (const [method, url, body] of [
      ['PATCH', '/api/tenants/nope/limits', { concurrency: 2 }],
      ['POST', '/api/tenants/nope/pause', undefined],
      ['POST', '/api/tenants/nope/resume', { queue: 'default' }],
    ] as const) {
      const res = await send(method, url, body);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().detail).toBe('tenant nope was not found');
    }
    expect((await send('GET', '/api/tenants/acme/limits')).json().override.concurrency).toBeNull();
  });

  it('pauses and resumes the tenant or one queue, with or without a body, and health shows it', async () => {
    const paused = await send('POST', '/api/tenants/acme/pause');
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json()).toMatchObject({ paused: true, paused_queues: [] });
    expect((await lanes('acme')).every((l) => l.paused && !l.runnable)).toBe(true);

    const queue = await send('POST', '/api/tenants/acme/pause', { queue: 'notifications' });
    expect(queue.json()).toMatchObject({ paused: true, paused_queues: ['notifications'] });
    const health = (await send('GET', '/api/tenants/acme/health')).json();
    expect(health.scheduling).toEqual({
      concurrency: 1,
      weight: 2,
      rate: { limit: 50, period_ms: 1000 },
      paused: true,
      paused_queues: ['notifications'],
      queue_rates: {},
      rate_use: { tenant: 0, queues: {} },
    });
    expect(health.warnings).toEqual(
      expect.arrayContaining(['tenant is paused: none of its jobs start', 'queue notifications is paused']),
    );

    // Resuming the tenant leaves the queue paused on its own.
    const resumed = await send('POST', '/api/tenants/acme/resume', {});
    expect(resumed.json()).toMatchObject({ paused: false, paused_queues: ['notifications'] });
    expect(
      (await lanes('acme')).map((l) => ({ queue: l.queue, paused: l.paused, runnable: l.runnable })),
    ).toEqual([
      { queue: 'default', paused: false, runnable: true },
      { queue: 'notifications', paused: true, runnable: false },
    ]);
    const queues = (await send('GET', '/api/queues?tenant=acme')).json().queues;
    expect(queues.find((q: { queue: string }) => q.queue === 'notifications')).toMatchObject({
      paused: true,
      cap: 1,
      weight: 2,
      rate_limit: 50,
      rate_period_ms: 1000,
      scheduled: 1,
    });

    const all = await send('POST', '/api/tenants/acme/resume', { queue: 'notifications' });
    expect(all.json()).toMatchObject({ paused: false, paused_queues: [] });
    expect((await lanes('acme')).every((l) => !l.paused && l.runnable)).toBe(true);
    // A PATCH replaces the list as a whole.
    const listed = await patch('acme', { paused_queues: ['reports', 'default', 'reports'] });
    expect(listed.json().paused_queues).toEqual(['default', 'reports']);
    expect((await patch('acme', { paused_queues: null })).json().paused_queues).toEqual([]);
  });
});
