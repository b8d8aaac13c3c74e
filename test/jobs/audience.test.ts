import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { cancelJob } from '../../src/jobs/control.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { dispatchAs, registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

const byAudience = (audience: string) =>
  registry
    .all()
    .filter((d) => d.audience === audience)
    .map((d) => d.name);
const ADMIN_TASKS = byAudience('admin');
const SYSTEM_TASKS = byAudience('system');
const notification = { task: 'send-notification', payload: { channel: 'sms', to: '+1', message: 'hi' } };

describe('who may dispatch what', () => {
  let tdb: TestDatabase;
  let app: App;
  let keys: Record<'acme' | 'globex', Record<string, string>>;
  const admin = bearer(ADMIN_KEY);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    keys = await tenantsWithKeys(tdb, 'acme', 'globex');
    app = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  const post = (payload: unknown, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/jobs', headers, payload: payload as object });

  it('every task declares an audience, and the operator tasks are not tenant tasks', () => {
    expect(ADMIN_TASKS).toEqual(
      expect.arrayContaining(['tenant-backup', 'tenant-restore', 'tenant-maintenance']),
    );
    expect(SYSTEM_TASKS).toEqual(
      expect.arrayContaining([
        'deliver-callback',
        'failure-alert',
        'queue-gc',
        'cache-sweep',
        'export-expiry',
        'export-data',
        'welcome-email',
      ]),
    );
  });

  it.each([...ADMIN_TASKS, ...SYSTEM_TASKS])(
    'answers a tenant key 403 for %s, naming the field',
    async (task) => {
      const res = await post({ task, payload: { tenant: 'globex', job_log_id: '1' } }, keys.acme);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().field).toBe('task');
    },
  );

  it.each(SYSTEM_TASKS)('answers an admin key 403 for the system task %s', async (task) => {
    expect((await post({ task, payload: {} }, admin)).statusCode).toBe(403);
  });

  it('lists only the tasks the caller may dispatch when the task is unknown', async () => {
    const tenant = (await post({ task: 'nope', payload: {} }, keys.acme)).json();
    expect(tenant.field).toBe('task');
    for (const hidden of [...ADMIN_TASKS, ...SYSTEM_TASKS]) expect(tenant.detail).not.toContain(hidden);
    expect(tenant.detail).toContain('send-notification');
    const adminView = (await post({ task: 'nope', payload: {} }, admin)).json();
    expect(adminView.detail).toContain('tenant-restore');
    for (const hidden of SYSTEM_TASKS) expect(adminView.detail).not.toContain(hidden);
  });

  it('needs an admin to name the tenant of a tenant task, and runs admin tasks centrally', async () => {
    const unnamed = await post(notification, admin);
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.json().field).toBe('tenant');
    const named = await post({ ...notification, tenant: 'globex' }, admin);
    expect(named.statusCode).toBe(202);
    const inTenant = await post(
      { task: 'tenant-backup', payload: { tenant: 'acme' }, tenant: 'acme' },
      admin,
    );
    expect(inTenant.statusCode).toBe(400);
    expect(inTenant.json().field).toBe('tenant');
    const central = await post(
      { task: 'tenant-backup', payload: { tenant: 'acme' }, delay_ms: 3_600_000 },
      admin,
    );
    expect(central.statusCode).toBe(202);
    expect(central.json().tenant).toBeNull();
  });

  it('refuses lifecycle payloads that could only fail, naming the field, before anything is dispatched', async () => {
    const logs = async () =>
      Number(
        (await sql<{ n: string }>`SELECT count(*) AS n FROM tenantry.job_logs`.execute(tdb.db)).rows[0]!.n,
      );
    const before = await logs();
    for (const [body, field, detail] of [
      [{ task: 'tenant-backup', payload: { tenant: 'nope' } }, 'payload.tenant', 'there is no tenant "nope"'],
      [
        { task: 'tenant-restore', payload: { tenant: 'acme', backup: '../../x' } },
        'payload.backup',
        'not a path',
      ],
      [
        { task: 'tenant-maintenance', payload: { tenant: 'acme' } },
        'payload.operations',
        'choose at least one',
      ],
    ] as const) {
      const res = await post(body, admin);
      expect(res.statusCode, body.task).toBe(400);
      expect(res.json().field).toBe(field);
      expect(res.json().detail).toContain(detail);
    }
    // Two specs at once: the field names which.
    const batch = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: admin,
      payload: [
        { task: 'tenant-backup', payload: {}, delay_ms: 3_600_000 },
        { task: 'tenant-backup', payload: { tenant: 'nope' } },
      ],
    });
    expect([batch.statusCode, batch.json().field]).toEqual([400, '1.payload.tenant']);
    expect(await logs()).toBe(before);
  });

  it('applies the same rules to library dispatch on behalf of a caller', async () => {
    await expect(
      dispatchAs(tdb.db, { kind: 'tenant', tenantId: 'acme' }, [
        { task: 'tenant-restore', payload: { tenant: 'globex' } },
      ]),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      dispatchAs(tdb.db, { kind: 'tenant', tenantId: 'acme' }, [{ ...notification, tenant: 'globex' }]),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const [job] = await dispatchAs(tdb.db, { kind: 'tenant', tenantId: 'acme' }, [notification]);
    expect(job!.tenantId).toBe('acme');
  });

  it('keeps job keys per tenant: the same key in two tenants replaces neither', async () => {
    const keyed = { ...notification, job_key: 'daily-digest', delay_ms: 3_600_000 };
    const acmeFirst = (await post(keyed, keys.acme)).json();
    const globex = (await post(keyed, keys.globex)).json();
    const acmeSecond = (await post(keyed, keys.acme)).json();
    const status = async (id: string) =>
      (
        await tdb.db
          .selectFrom('tenantry.job_logs')
          .select('status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).status;
    // Within a tenant the key debounces; across tenants it is a different key.
    expect(await status(acmeFirst.id)).toBe('cancelled');
    expect(await status(acmeSecond.id)).toBe('pending');
    expect(await status(globex.id)).toBe('pending');
    // Tenant jobs wait in their lanes; the key is kept there, scoped to the tenant.
    const { rows } = await sql<{ key: string }>`
      SELECT job_key AS key FROM tenantry.lane_jobs WHERE job_key IS NOT NULL ORDER BY job_key`.execute(
      tdb.db,
    );
    expect(rows.map((r) => r.key)).toEqual(['t:acme:daily-digest', 't:globex:daily-digest']);
    // The replaced job is not brought back by a retry, single or bulk: its replacement carries the work.
    const again = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${acmeFirst.id}/retry`,
      headers: keys.acme,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ superseded_by: acmeSecond.id });
    const bulk = await app.inject({
      method: 'POST',
      url: '/api/job-logs/retry',
      headers: keys.acme,
      payload: { filter: { status: 'cancelled' }, dry_run: true },
    });
    expect(bulk.json().matched).toBe(0);
    expect(await status(acmeFirst.id)).toBe('cancelled');
    // A cancelled job whose own error reads the same (a handler's message, kept) is retried.
    const look = (await post({ ...notification, delay_ms: 3_600_000 }, keys.acme)).json();
    await app.inject({ method: 'POST', url: `/api/job-logs/${look.id}/cancel`, headers: keys.acme });
    await sql`UPDATE tenantry.job_logs SET error_message = ${`superseded by job log ${acmeFirst.id}`}
      WHERE id = ${look.id}`.execute(tdb.db);
    const counted = await app.inject({
      method: 'POST',
      url: '/api/job-logs/retry',
      headers: keys.acme,
      payload: { filter: { status: 'cancelled' }, dry_run: true },
    });
    expect(counted.json().matched).toBe(1);
    const retried = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${look.id}/retry`,
      headers: keys.acme,
    });
    expect(retried.statusCode).toBe(202);
    expect(await status(look.id)).toBe('pending');
  });

  it("lets a tenant retry its tenant jobs, not the platform's system jobs it runs on its behalf", async () => {
    // The welcome mail of acme: a system task, run in acme's lane.
    const [welcome] = await dispatchJobs(tdb.db, registry, [
      { task: 'welcome-email', tenant: 'acme', payload: {}, delayMs: 3_600_000 },
    ]);
    await cancelJob(tdb.db, welcome!.id);
    const refused = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${welcome!.id}/retry`,
      headers: keys.acme,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toMatch(/system work \(welcome-email\)/);
    const bulk = await app.inject({
      method: 'POST',
      url: '/api/job-logs/retry',
      headers: keys.acme,
      payload: { filter: { task: 'welcome-email' }, dry_run: true },
    });
    expect(bulk.json().matched).toBe(0);
    const byAdmin = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${welcome!.id}/retry`,
      headers: bearer(ADMIN_KEY),
    });
    expect(byAdmin.statusCode).toBe(202);
    await cancelJob(tdb.db, welcome!.id);
  });

  it('does not bring back a job a job of another task replaced through the same key', async () => {
    const first = (
      await post(
        { task: 'demo-slow', payload: { seconds: 1 }, job_key: 'switch', delay_ms: 3_600_000 },
        keys.acme,
      )
    ).json();
    const second = (
      await post({ ...notification, job_key: 'switch', delay_ms: 3_600_000 }, keys.acme)
    ).json();
    const again = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${first.id}/retry`,
      headers: keys.acme,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ superseded_by: second.id });
  });

  it('refuses system tasks in the CLI with one line and exit 1, and dispatches tenant tasks', async () => {
    const env = { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn' };
    const refused = await runCli(
      ['jobs', 'dispatch', 'deliver-callback', '--payload', '{"job_log_id":"1"}'],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/dispatched only by Tenantry itself/);
    const ok = await runCli(
      [
        'jobs',
        'dispatch',
        'send-notification',
        '--tenant',
        'acme',
        '--payload',
        JSON.stringify(notification.payload),
      ],
      env,
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^dispatched job \d+ \(send-notification for acme, queue notifications\)/);
    const bad = await runCli(['jobs', 'dispatch', 'send-notification', '--payload', '{nope'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--payload.*not JSON/);
  });
});
