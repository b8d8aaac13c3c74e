import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import type { App } from '../../src/http/app.ts';
import { dispatchAs, registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * TENANT_MAX_PENDING_JOBS bounds the jobs a tenant may have waiting: a dispatch from outside that
 * would pass it is 429 with Retry-After and writes nothing; other tenants are not held; room
 * comes back as jobs leave; Tenantry's own dispatches are never refused. No worker runs here:
 * dispatched jobs stay waiting.
 */
describe('pending-job quota', () => {
  let tdb: TestDatabase;
  let app: App;
  let headers: Record<'acme' | 'globex' | 'burst' | 'own' | 'replay' | 'initech', Record<string, string>>;

  const job = { task: 'send-notification', payload: { channel: 'sms', to: '+1', message: 'hi' } };
  const post = (as: Record<string, string>, payload: object | object[]) =>
    app.inject({ method: 'POST', url: '/api/jobs', headers: as, payload });
  const waiting = async (tenant: string) => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.job_logs WHERE tenant_id = ${tenant} AND status = 'pending'`.execute(
      tdb.db,
    );
    return rows[0]!.n;
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'acme', 'globex', 'burst', 'own', 'replay', 'initech');
    const config = parseConfig({ LOG_LEVEL: 'silent', TENANT_MAX_PENDING_JOBS: '5' });
    app = await buildTestApp(tdb.db, {}, registry, { config });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('refuses a dispatch past the bound with 429, writing nothing; other tenants are not held', async () => {
    expect((await post(headers.acme, [job, job, job])).statusCode).toBe(202);
    expect((await post(headers.acme, [job, job])).statusCode).toBe(202);
    const over = await post(headers.acme, job);
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(over.headers['retry-after']).toBe('5');
    expect(over.json()).toMatchObject({
      code: 'rate_limited',
      reason: 'pending_limit_reached',
      field: 'tenant',
    });
    expect(over.json().detail).toContain('has 5 jobs waiting');
    expect(over.json().detail).toContain('TENANT_MAX_PENDING_JOBS is 5');
    expect(await waiting('acme')).toBe(5);
    // An admin dispatching for acme meets the same bound; globex has its own.
    const admin = await post(bearer(ADMIN_KEY), { ...job, tenant: 'acme' });
    expect(admin.statusCode).toBe(429);
    expect((await post(headers.globex, job)).statusCode).toBe(202);
  });

  it('refuses a whole request when one of its tenants would pass the bound', async () => {
    const mixed = await post(bearer(ADMIN_KEY), [
      { ...job, tenant: 'globex' },
      { ...job, tenant: 'acme' },
    ]);
    expect(mixed.statusCode).toBe(429);
    expect(mixed.json().detail).toContain('tenant acme');
    expect(await waiting('globex')).toBe(1);
  });

  it('gives room back once jobs have left the backlog', async () => {
    const { rows } = await sql<{ id: string }>`
      SELECT id::text FROM tenantry.job_logs WHERE tenant_id = 'acme' AND status = 'pending' LIMIT 2`.execute(
      tdb.db,
    );
    for (const { id } of rows) {
      expect(
        (await app.inject({ method: 'POST', url: `/api/job-logs/${id}/cancel`, headers: headers.acme }))
          .statusCode,
      ).toBe(202);
    }
    // The last count is under a second old: a refusal does not count again before a second.
    await sql`UPDATE tenantry.tenant_backlogs SET counted_at = now() - interval '2 seconds'
              WHERE tenant_id = 'acme'`.execute(tdb.db);
    expect((await post(headers.acme, [job, job])).statusCode).toBe(202);
    expect(await waiting('acme')).toBe(5);
    expect((await post(headers.acme, job)).statusCode).toBe(429);
  });

  it('counts retried jobs as waiting ones: a retry without room is 429, single or bulk', async () => {
    const { rows } = await sql<{ id: string }>`
      SELECT id::text FROM tenantry.job_logs WHERE tenant_id = 'acme' AND status = 'cancelled'`.execute(
      tdb.db,
    );
    expect(rows.length).toBeGreaterThan(0);
    const one = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${rows[0]!.id}/retry`,
      headers: headers.acme,
    });
    expect(one.statusCode).toBe(429);
    expect(one.json()).toMatchObject({ reason: 'pending_limit_reached' });
    const bulk = await app.inject({
      method: 'POST',
      url: '/api/job-logs/retry',
      headers: headers.acme,
      payload: { filter: { status: 'cancelled' } },
    });
    expect(bulk.statusCode).toBe(429);
    const { rows: still } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.job_logs WHERE tenant_id = 'acme' AND status = 'cancelled'`.execute(
      tdb.db,
    );
    expect(still[0]!.n).toBe(rows.length);
    expect(await waiting('acme')).toBe(5);
  });

  it('reserves no room for a retry refused because the job cannot be retried', async () => {
    const fill = [job, job, job, job];
    expect((await post(headers.initech, fill)).statusCode).toBe(202);
    const { rows } = await sql<{ id: string }>`
      SELECT id::text FROM tenantry.job_logs WHERE tenant_id = 'initech' AND status = 'pending' LIMIT 1`.execute(
      tdb.db,
    );
    // A pending job cannot be retried: 409, three times. Each one reserved a place before.
    for (let i = 0; i < 3; i++) {
      const refused = await app.inject({
        method: 'POST',
        url: `/api/job-logs/${rows[0]!.id}/retry`,
        headers: headers.initech,
      });
      expect(refused.statusCode).toBe(409);
    }
    expect((await post(headers.initech, job)).statusCode).toBe(202);
    expect(await waiting('initech')).toBe(5);
  });

  it('answers a replay of a request that filled the backlog as the first time, not 429', async () => {
    const key = { ...headers.replay, 'idempotency-key': 'fill-1' };
    const first = await post(key, [job, job, job, job, job]);
    expect(first.statusCode).toBe(202);
    const again = await post(key, [job, job, job, job, job]);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await waiting('replay')).toBe(5);
    expect((await post(headers.replay, job)).statusCode).toBe(429);
  });

  it('lets no two requests take the last places at once', async () => {
    expect((await post(headers.burst, [job, job, job])).statusCode).toBe(202);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(headers.burst, job)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 202, 429, 429, 429, 429]);
    expect(await waiting('burst')).toBe(5);
  });

  it("never refuses Tenantry's own dispatches (callbacks, crontab)", async () => {
    const own = Array.from({ length: 8 }, () => ({ ...job, tenant: 'own' }));
    const jobs = await dispatchAs(tdb.db, { kind: 'admin' }, own);
    expect(jobs).toHaveLength(8);
    expect(await waiting('own')).toBe(8);
  });

  it('answers bad input 4xx before counting anything', async () => {
    const bad = await post(headers.globex, { task: 'send-notification', payload: { channel: 'pigeon' } });
    expect(bad.statusCode).toBe(400);
    const { rows } = await sql<{ pending: string }>`
      SELECT pending::text FROM tenantry.tenant_backlogs WHERE tenant_id = 'globex'`.execute(tdb.db);
    expect(rows[0]!.pending).toBe('1');
  });
});
