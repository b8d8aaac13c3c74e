import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/cache/redis-store.ts';
import { cacheHealth, createCacheRedis } from '../../src/cache/runtime.ts';
import type { App } from '../../src/http/app.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

/**
 * The Redis cache store gone (a port nothing listens on, on loopback): the cache's own routes
 * are a 503 to retry, like a database outage, and the checks an operator runs then still
 * answer, saying what is missing.
 */
describe('with the Redis cache store unreachable', () => {
  let tdb: TestDatabase;
  let app: App;
  let store: RedisStore;
  const admin = bearer(ADMIN_KEY);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
    store = new RedisStore(createCacheRedis('redis://127.0.0.1:1'), { ownsClient: true });
    app = await buildTestApp(tdb.db, { cache: () => cacheHealth(store) }, undefined, { cacheStore: store });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    await tdb.close();
  });

  it('answers 503 with Retry-After on the cache routes, never a 500', async () => {
    for (const [method, url] of [
      ['GET', '/api/tenants/acme/cache/stats'],
      ['DELETE', '/api/tenants/acme/cache'],
    ] as const) {
      const res = await app.inject({ method, url, headers: admin });
      expect(res.statusCode, `${method} ${url}`).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ reason: 'cache_store_unavailable' });
    }
  });

  it('keeps tenant health answering, with a warning in place of the cache figures', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/tenants/acme/health', headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ cache_entries: null });
    expect(res.json().warnings).toContain('the cache store did not answer');
  });

  it('reports the service degraded, not healthy, while the database answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'degraded',
      cache: { store: 'redis', state: 'disconnected' },
    });
  });
});
