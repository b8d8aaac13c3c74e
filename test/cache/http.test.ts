import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/cache/postgres-store.ts';
import { TenantCache } from '../../src/cache/tenant-cache.ts';
import type { App } from '../../src/http/app.ts';
import { ADMIN_KEY, bearer, buildTestApp, createTenantWithKey } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('cache routes', () => {
  let tdb: TestDatabase;
  let app: App;
  let store: PostgresStore;
  let acmeKey: string;
  let globexKey: string;
  const admin = bearer(ADMIN_KEY);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    store = new PostgresStore(tdb.db);
    app = await buildTestApp(tdb.db, {}, undefined, { cacheStore: store });
    acmeKey = await createTenantWithKey(tdb.db, { id: 'acme' });
    globexKey = await createTenantWithKey(tdb.db, { id: 'globex' });
    await createTenantWithKey(tdb.db, { id: 'acme-eu' });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  const seed = async () => {
    await new TenantCache(store, 'acme').putMany({ a: 1, b: 'two' }, 60);
    await new TenantCache(store, 'acme-eu').put('a', 1, 60);
    await new TenantCache(store, 'globex').put('a', 1, 60);
    await new TenantCache(store, undefined).put('a', 1, 60);
  };

  it("shows a tenant's figures to the admin and to that tenant's key only", async () => {
    await seed();
    const expected = {
      tenant: 'acme',
      store: 'postgres',
      entries: 2,
      bytes: 'tenant_acme_a1tenant_acme_b"two"'.length,
      expired: 0,
      max_bytes: 268_435_456,
    };
    for (const headers of [admin, bearer(acmeKey)]) {
      const res = await app.inject({ method: 'GET', url: '/api/tenants/acme/cache/stats', headers });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(expected);
    }
    const other = await app.inject({
      method: 'GET',
      url: '/api/tenants/acme/cache/stats',
      headers: bearer(globexKey),
    });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'not_found', detail: 'tenant acme was not found' });
  });

  it("flushes one tenant's entries for the admin, leaving every other scope", async () => {
    await seed();
    const res = await app.inject({ method: 'DELETE', url: '/api/tenants/acme/cache', headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tenant: 'acme', store: 'postgres', flushed: 2 });
    expect(await new TenantCache(store, 'acme').keys()).toEqual([]);
    expect(await new TenantCache(store, 'acme-eu').keys()).toEqual(['a']);
    expect(await new TenantCache(store, 'globex').keys()).toEqual(['a']);
    expect(await new TenantCache(store, undefined).keys()).toEqual(['a']);
  });

  it('refuses a tenant key on flush, and answers 404 and 400 as problems', async () => {
    await seed();
    const cases = [
      { method: 'DELETE', url: '/api/tenants/acme/cache', headers: bearer(acmeKey), status: 403 },
      { method: 'DELETE', url: '/api/tenants/acme/cache', headers: {}, status: 401 },
      { method: 'DELETE', url: '/api/tenants/nobody/cache', headers: admin, status: 404 },
      { method: 'GET', url: '/api/tenants/nobody/cache/stats', headers: admin, status: 404 },
      { method: 'GET', url: '/api/tenants/Not_A_Slug/cache/stats', headers: admin, status: 400 },
    ] as const;
    for (const { status, ...request } of cases) {
      const res = await app.inject(request);
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(await new TenantCache(store, 'acme').has('a')).toBe(true);
  });

  it('documents both routes under tenants in a valid OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    expect(doc.paths['/api/tenants/{id}/cache'].delete.tags).toEqual(['tenants']);
    expect(doc.paths['/api/tenants/{id}/cache/stats'].get.tags).toEqual(['tenants']);
    expect(Object.keys(doc.paths['/api/tenants/{id}/cache'].delete.responses)).toEqual(
      expect.arrayContaining(['200', '401', '403', '404']),
    );
  });
});
