import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { asAdmin, cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * A database closed to new connections (ALTER DATABASE … ALLOW_CONNECTIONS false, as a
 * maintenance window does) answers SQLSTATE 55000 at connect, not a connection code: every
 * route answered 500 and a starting worker gave up at once. It is an outage: 503, Retry-After.
 */
describe('a database that refuses new connections', () => {
  let tdb: TestDatabase;
  let app: App;
  const admin = asAdmin;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    app = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE "${tdb.name}" ALLOW_CONNECTIONS true`);
    await app.close();
    await tdb.close();
  });

  it('is 503 with Retry-After while it refuses, and served again after', async () => {
    expect((await app.inject({ url: '/api/job-logs', headers: bearer(ADMIN_KEY) })).statusCode).toBe(200);
    await admin(`ALTER DATABASE "${tdb.name}" ALLOW_CONNECTIONS false`);
    await admin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${tdb.name}' AND pid <> pg_backend_pid()`,
    );
    // The first request may meet a pooled connection that was ended; the next ones connect anew.
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ url: '/api/job-logs', headers: bearer(ADMIN_KEY) });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.json().detail).not.toMatch(/accepting connections|55000/);
    }
    await admin(`ALTER DATABASE "${tdb.name}" ALLOW_CONNECTIONS true`);
    expect((await app.inject({ url: '/api/job-logs', headers: bearer(ADMIN_KEY) })).statusCode).toBe(200);
  });
});
