import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/app.ts';
import { ADMIN_KEY, bearer, buildTestApp, createTenantWithKey } from './helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

describe('bearer-key authentication', () => {
  let tdb: TestDatabase;
  let app: App;
  let acmeKey: string;
  let globexKey: string;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    app = await buildTestApp(tdb.db);
    acmeKey = await createTenantWithKey(tdb.db, { id: 'acme' });
    globexKey = await createTenantWithKey(tdb.db, { id: 'globex' });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('answers 401 problem+json without a key or with a wrong one', async () => {
    for (const headers of [{}, bearer('tnt_wrong'), { authorization: 'Basic Zm9vOmJhcg==' }]) {
      const res = await app.inject({ method: 'GET', url: '/api/tenants', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        status: 401,
        code: 'unauthorized',
        type: 'urn:tenantry:problem:unauthorized',
      });
    }
  });

  it('lets the admin key in, and answers 403 to a tenant key on an admin route', async () => {
    const admin = await app.inject({ method: 'GET', url: '/api/tenants', headers: bearer(ADMIN_KEY) });
    expect(admin.statusCode).toBe(200);
    expect(admin.json().tenants.map((t: { id: string }) => t.id)).toEqual(['acme', 'globex']);

    const tenant = await app.inject({ method: 'GET', url: '/api/tenants', headers: bearer(acmeKey) });
    expect(tenant.statusCode).toBe(403);
    expect(tenant.json()).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('shows a tenant key its own tenant and 404 for another', async () => {
    const own = await app.inject({ method: 'GET', url: '/api/tenants/acme', headers: bearer(acmeKey) });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: 'acme', status: 'active' });
    const other = await app.inject({ method: 'GET', url: '/api/tenants/acme', headers: bearer(globexKey) });
    expect(other.statusCode).toBe(404);
  });

  it('refuses a revoked key and a suspended tenant with the reason', async () => {
    const key = await createTenantWithKey(tdb.db, { id: 'initech' });
    await sql`UPDATE tenantry.tenants SET status = 'suspended', status_reason = 'payment_failed' WHERE id = 'initech'`.execute(
      tdb.db,
    );
    const suspended = await app.inject({ method: 'GET', url: '/api/tenants/initech', headers: bearer(key) });
    expect(suspended.statusCode).toBe(403);
    expect(suspended.json()).toMatchObject({ code: 'tenant_unavailable', reason: 'payment_failed' });

    await sql`UPDATE tenantry.api_keys SET revoked_at = now() WHERE tenant_id = 'globex'`.execute(tdb.db);
    const revoked = await app.inject({
      method: 'GET',
      url: '/api/tenants/globex',
      headers: bearer(globexKey),
    });
    expect(revoked.statusCode).toBe(401);
  });

  it('records when a key was last used', async () => {
    await app.inject({ method: 'GET', url: '/api/tenants/acme', headers: bearer(acmeKey) });
    await expect
      .poll(async () => {
        const { rows } = await sql<{ used: boolean }>`
          SELECT last_used_at IS NOT NULL AS used FROM tenantry.api_keys WHERE tenant_id = 'acme'`.execute(
          tdb.db,
        );
        return rows[0]?.used;
      })
      .toBe(true);
  });

  it('keeps the key out of the database in plain text', async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.api_keys WHERE encode(key_hash, 'escape') LIKE ${`%${acmeKey}%`}`.execute(
      tdb.db,
    );
    expect(rows[0]?.n).toBe(0);
  });
});
