import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import type { App } from '../../src/http/app.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestWorker, waitForStatus } from '../helpers/worker.ts';
import { seed, snapshot } from './fixtures.ts';

describe('tenant lifecycle over HTTP', () => {
  let tdb: TestDatabase;
  let app: App;
  let worker: WorkerService;
  let backupDir: string;
  const admin = bearer(ADMIN_KEY);
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    backupDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-http-backups-'));
    // The API and the workers share BACKUP_DIR, as one deployment's processes do.
    app = await buildTestApp(tdb.db, {}, undefined, {
      config: parseConfig({ LOG_LEVEL: 'silent', BACKUP_DIR: backupDir }),
    });
    worker = await startTestWorker(tdb, { registry, env: { BACKUP_DIR: backupDir } });
  });
  afterAll(async () => {
    await worker.stop();
    await app.close();
    await tdb.close();
    await rm(backupDir, { recursive: true, force: true });
  });

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    headers = admin,
  ) => app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  it('provisions with 201 {tenant, api_key}, refuses duplicates with 409 and tenant keys with 403', async () => {
    const created = await call('POST', '/api/tenants', {
      id: 'acme',
      name: 'Acme',
      plan: 'pro',
      owner: 'a@example.com',
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.tenant).toMatchObject({ id: 'acme', status: 'active', plan: 'pro' });
    expect(body.api_key.key).toMatch(/^tnt_/);
    const own = await call('GET', '/api/tenants/acme', undefined, bearer(body.api_key.key));
    expect(own.statusCode).toBe(200);

    const again = await call('POST', '/api/tenants', { id: 'acme', name: 'Acme', plan: 'pro' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    const byTenant = await call(
      'POST',
      '/api/tenants',
      { name: 'Other', plan: 'free' },
      bearer(body.api_key.key),
    );
    expect(byTenant.statusCode).toBe(403);
    await waitForStatus(tdb.db, body.welcome_job_log_id, ['completed']);
  });

  it('counts names and reasons in characters, as the schemas and the database do', async () => {
    // An emoji is one character but two UTF-16 units: 200 of them were refused as "1-200".
    const emoji = '\u{1F9B7}';
    const made = await call('POST', '/api/tenants', { id: 'emoji', name: emoji.repeat(200), plan: 'pro' });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().tenant.name).toBe(emoji.repeat(200));
    const tooLong = await call('POST', '/api/tenants', { name: emoji.repeat(201), plan: 'pro' });
    expect([tooLong.statusCode, tooLong.json().field]).toEqual([400, 'name']);
    const suspended = await call('POST', '/api/tenants/emoji/suspend', { reason: emoji.repeat(500) });
    expect(suspended.statusCode, suspended.body).toBe(200);
    expect(suspended.json().status_reason).toBe(emoji.repeat(500));
    const reasonTooLong = await call('POST', '/api/tenants/emoji/suspend', { reason: emoji.repeat(501) });
    expect([reasonTooLong.statusCode, reasonTooLong.json().field]).toEqual([400, 'reason']);
    // Settings are bounded in bytes as stored: 30,000 three-byte characters are ~88 KiB.
    const settings = await call('PATCH', '/api/tenants/emoji/settings', { note: '\u20AC'.repeat(30_000) });
    expect([settings.statusCode, settings.json().field]).toEqual([413, 'settings']);
  });

  it("answers an owner's plan usage (can provision?) to admins only", async () => {
    const usage = await call('GET', '/api/plans/usage?owner=A%40Example.com&plan=pro');
    expect(usage.statusCode, usage.body).toBe(200);
    // acme was provisioned on pro by a@example.com.
    expect(usage.json()).toEqual({
      owner: 'A@Example.com',
      plans: [{ plan: 'pro', limit: 5, used: 1, remaining: 4, can_provision: true }],
    });
    const all = await call('GET', '/api/plans/usage?owner=nobody%40example.com');
    expect(all.json().plans.map((p: { plan: string; used: number }) => [p.plan, p.used])).toEqual([
      ['free', 0],
      ['pro', 0],
      ['business', 0],
    ]);
    const unknown = await call('GET', '/api/plans/usage?owner=a%40example.com&plan=gold');
    expect([unknown.statusCode, unknown.json().field]).toEqual([400, 'plan']);
    const missing = await call('GET', '/api/plans/usage');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toMatch(/owner/);
    const tenantKey = await call('POST', '/api/tenants/acme/keys', { name: 'usage' });
    for (const url of ['/api/plans/usage?owner=a%40example.com', '/api/plans']) {
      const refused = await call('GET', url, undefined, bearer(tenantKey.json().key));
      expect([url, refused.statusCode]).toEqual([url, 403]);
    }
  });

  it('lists the configured plans with their scheduling defaults, in configuration order', async () => {
    const plans = await call('GET', '/api/plans');
    expect(plans.statusCode, plans.body).toBe(200);
    // This app runs without PLAN_SCHEDULING: every plan follows the tenant's own concurrency.
    expect(plans.json().plans).toEqual(
      ['free', 'pro', 'business'].map((plan, i) => ({
        plan,
        tenants_per_owner: [1, 5, 50][i],
        concurrency: null,
        weight: 1,
        rate: null,
      })),
    );
  });

  it('patches settings with validation, and drives status changes', async () => {
    const ok = await call('PATCH', '/api/tenants/acme/settings', {
      timezone: 'Asia/Tokyo',
      features: { beta: true },
    });
    expect(ok.json().settings).toMatchObject({ timezone: 'Asia/Tokyo', features: { beta: true } });
    const bad = await call('PATCH', '/api/tenants/acme/settings', { language: '??' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'settings.language' });

    expect((await call('POST', '/api/tenants/acme/suspend', { reason: 'audit' })).json()).toMatchObject({
      status: 'suspended',
      status_reason: 'audit',
    });
    expect((await call('POST', '/api/tenants/acme/deactivate', {})).statusCode).toBe(409);
    expect((await call('POST', '/api/tenants/acme/activate')).json().status).toBe('active');
    expect((await call('POST', '/api/tenants/nobody/activate')).statusCode).toBe(404);
    // A deactivation's reason is checked as a suspension's is: a blank one is refused, nothing changed.
    const blank = await call('POST', '/api/tenants/acme/deactivate', { reason: '   ' });
    expect([blank.statusCode, blank.json().field]).toEqual([400, 'reason']);
    expect((await call('GET', '/api/tenants/acme')).json().status).toBe('active');
    const closed = await call('POST', '/api/tenants/acme/deactivate', { reason: ' closed by owner ' });
    expect(closed.json()).toMatchObject({ status: 'inactive', status_reason: 'closed by owner' });
    expect((await call('POST', '/api/tenants/acme/activate')).json().status).toBe('active');
  });

  it.skipIf(Boolean(inject('pgToolsMissing')))(
    'backs up and restores through jobs, and lists the backups',
    async () => {
      await seed(tdb, 'acme', 20);
      const before = await snapshot(tdb, 'acme');
      const started = await call('POST', '/api/tenants/acme/backups', { keep: 3 });
      expect(started.statusCode).toBe(202);
      const done = await waitForStatus(tdb.db, started.json().job_log_id, ['completed', 'failed']);
      expect(done.status, done.error_message ?? '').toBe('completed');

      const list = (await call('GET', '/api/tenants/acme/backups')).json();
      expect(list.backups).toHaveLength(1);
      expect(list.count).toBe(1);

      await sql`DELETE FROM tenant_acme.appointments`.execute(tdb.db);
      const restore = await call('POST', '/api/tenants/acme/restore', { latest: true });
      expect(restore.statusCode).toBe(202);
      const restored = await waitForStatus(tdb.db, restore.json().job_log_id, ['completed', 'failed']);
      expect(restored.status, restored.error_message ?? '').toBe('completed');
      expect(await snapshot(tdb, 'acme')).toEqual(before);
      // The pause for the swap is undone: the tenant is active again.
      expect((await call('GET', '/api/tenants/acme')).json().status).toBe('active');

      // Judged against the catalogue before anything is dispatched.
      const traversal = await call('POST', '/api/tenants/acme/restore', { backup: '../other/x.dump' });
      expect(traversal.statusCode).toBe(400);
      expect(traversal.json().field).toBe('backup');
      const missing = await call('POST', '/api/tenants/acme/restore', {
        backup: 'tenant_acme_2001-01-01_00-00-00.dump',
      });
      expect(missing.statusCode).toBe(404);
      expect((await call('POST', '/api/tenants/globex/restore', { latest: true })).statusCode).toBe(404);

      // A recorded backup whose file is gone (a volume lost): listed as such, and refused here
      // rather than as a job that can only fail.
      const [backup] = list.backups as { file_name: string }[];
      const file = path.join(backupDir, 'acme', backup!.file_name);
      await rename(file, `${file}.away`);
      try {
        const listed = (await call('GET', '/api/tenants/acme/backups')).json();
        expect(listed).toMatchObject({ count: 0, missing: 1, backups: [{ file_missing: true }] });
        for (const body of [{ backup: backup!.file_name }, { latest: true }]) {
          const refused = await call('POST', '/api/tenants/acme/restore', body);
          expect(refused.statusCode, JSON.stringify(body)).toBe(404);
        }
        const health = (await call('GET', '/api/tenants/acme/health')).json();
        expect(health.warnings).toContain("1 recorded backup's file is missing from BACKUP_DIR");
      } finally {
        await rename(`${file}.away`, file);
      }
    },
  );

  it('runs maintenance as a job and reports health', async () => {
    const bad = await call('POST', '/api/tenants/acme/maintenance', {});
    expect(bad.statusCode).toBe(400);
    const started = await call('POST', '/api/tenants/acme/maintenance', { vacuum: true, cleanup_days: 30 });
    expect(started.statusCode).toBe(202);
    const done = await waitForStatus(tdb.db, started.json().job_log_id, ['completed', 'failed']);
    expect(done.status, done.error_message ?? '').toBe('completed');

    const health = (await call('GET', '/api/tenants/acme/health')).json();
    expect(health).toMatchObject({
      tenant: 'acme',
      status: 'active',
      backups: { count: 1 },
      failed_last_24h: 0,
    });
    expect(health.schema_bytes).toBeGreaterThan(0);
    expect(health.last_maintenance_at).not.toBeNull();
    expect(health.files).toEqual({ count: 0, bytes: 0, max_count: 100_000, max_bytes: 1_073_741_824 });
  });

  it('rotates keys: a new key works, a revoked one does not', async () => {
    const created = await call('POST', '/api/tenants/acme/keys', { name: 'rotation' });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json();
    expect((await call('GET', '/api/tenants/acme', undefined, bearer(key))).statusCode).toBe(200);
    expect((await call('DELETE', `/api/tenants/acme/keys/${id}`)).statusCode).toBe(204);
    expect((await call('GET', '/api/tenants/acme', undefined, bearer(key))).statusCode).toBe(401);
    expect((await call('DELETE', `/api/tenants/acme/keys/${id}`)).statusCode).toBe(404);
    // The list shows it revoked, with its last use, beside the key that still works.
    const listed = await call('GET', '/api/tenants/acme/keys');
    expect(listed.statusCode).toBe(200);
    const rotated = listed.json().keys.find((k: { id: string }) => k.id === id);
    expect(rotated).toEqual({
      id,
      name: 'rotation',
      prefix: key.slice(0, 12),
      created_at: expect.any(String),
      last_used_at: expect.any(String),
      revoked_at: expect.any(String),
    });
    expect(listed.json().keys.some((k: { revoked_at: null }) => k.revoked_at === null)).toBe(true);
    expect((await call('GET', '/api/tenants/nobody/keys')).statusCode).toBe(404);
  });
});
