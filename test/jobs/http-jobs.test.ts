import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.ts';
import type { App } from '../../src/http/app.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

describe('POST /api/jobs', () => {
  let tdb: TestDatabase;
  let app: App;
  let acmeKey: string;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
    await createTenantWithSchema(tdb, { id: 'globex' });
    acmeKey = (await createApiKey(tdb.db, 'acme')).key;
    app = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = bearer(acmeKey)) =>
    app.inject({ method: 'POST', url: '/api/jobs', headers, payload: payload as object });
  const notification = { task: 'send-notification', payload: { channel: 'sms', to: '+1', message: 'hi' } };
  const logCount = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.job_logs`.execute(tdb.db)).rows[0]?.n;

  it('accepts a job into the key’s own tenant with 202', async () => {
    const res = await post({ ...notification, source: { type: 'appointment', id: '9' }, priority: 1 });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      status: 'pending',
      queue: 'notifications',
      tenant: 'acme',
      lane: 'tenant_acme_notifications',
    });
  });

  it('refuses a tenant key naming another tenant, and lets an admin key name any', async () => {
    const denied = await post({ ...notification, tenant: 'globex' });
    expect(denied.statusCode).toBe(403);
    const admin = await post({ ...notification, tenant: 'globex' }, bearer(ADMIN_KEY));
    expect(admin.statusCode).toBe(202);
    expect(admin.json().tenant).toBe('globex');
  });

  it('dispatches an array in one transaction: all or nothing', async () => {
    const ok = await post([
      notification,
      { ...notification, queue: 'urgent', run_at: '2030-01-01T00:00:00Z' },
    ]);
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toHaveLength(2);
    expect(ok.json()[1]).toMatchObject({ queue: 'urgent', run_at: '2030-01-01T00:00:00.000Z' });

    const before = await logCount();
    const bad = await post([notification, { ...notification, payload: { channel: 'sms', to: '+1' } }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'validation_failed', field: '1.payload.message' });
    expect(await logCount()).toBe(before);
  });

  it('names what an empty array lacks, not the single-job form it was not meant as', async () => {
    const empty = await post([]);
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ code: 'validation_failed', field: '(root)' });
    expect(empty.json().detail).toMatch(/fewer than 1 items/);
  });

  it.each([
    [{ task: 'nope' }, 'task'],
    [{ ...notification, payload: { channel: 'pigeon', to: 'x', message: 'y' } }, 'payload.channel'],
    [{ ...notification, queue: 'Not Valid' }, 'queue'],
    [{ ...notification, priority: 99_999 }, 'priority'],
    [{ ...notification, run_at: 'tomorrow' }, 'run_at'],
    [{ ...notification, unexpected: true }, 'unexpected'],
    [{ payload: {} }, 'task'],
  ])('answers 400 problem+json naming the field for %o', async (body, field) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().field).toBe(field);
  });

  it('replays the first response for a repeated Idempotency-Key and refuses another body with 422', async () => {
    const headers = { ...bearer(acmeKey), 'idempotency-key': 'order-42' };
    const first = await post(notification, headers);
    const again = await post(notification, headers);
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await post({ ...notification, queue: 'other' }, headers);
    expect(other.statusCode).toBe(422);
    // Keys are per tenant: the same key elsewhere is a new request.
    const admin = await post(
      { ...notification, tenant: 'globex' },
      { ...bearer(ADMIN_KEY), 'idempotency-key': 'order-42' },
    );
    expect(admin.json().id).not.toBe(first.json().id);
  });

  it('dispatches concurrent requests with one Idempotency-Key exactly once', async () => {
    const headers = { ...bearer(acmeKey), 'idempotency-key': 'burst' };
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(notification, headers)));
    const ids = new Set(responses.map((r) => r.json().id));
    expect(responses.every((r) => r.statusCode === 202)).toBe(true);
    expect(ids.size).toBe(1);
  });
});
