import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { asAdmin, cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * A server that answers but cannot do the work: read-only after a failover (25006), a
 * statement timeout set on the database (57014). Both are outages of a kind, never the
 * caller's fault: 503 with Retry-After, not 500 (they fell through the error mapping before).
 */
describe('a database that answers but cannot do the work', () => {
  let tdb: TestDatabase;
  let app: App;
  const admin = asAdmin;
  /** Settings of the database apply to sessions that start after: end the pooled ones. */
  const setting = async (statement: string) => {
    await admin(`ALTER DATABASE "${tdb.name}" ${statement}`);
    await admin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${tdb.name}' AND pid <> pg_backend_pid()`,
    );
  };
  const provision = (name: string) =>
    app.inject({
      method: 'POST',
      url: '/api/tenants',
      headers: bearer(ADMIN_KEY),
      payload: { name, plan: 'pro' },
    });

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    app = await buildTestApp(tdb.db);
  });
  afterEach(async () => {
    await setting('RESET ALL');
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('read-only: 503 with Retry-After, nothing written, served again after', async () => {
    await setting('SET default_transaction_read_only = on');
    let refused: Awaited<ReturnType<typeof provision>> | undefined;
    // The first request may meet a pooled connection that was ended; the next ones connect anew.
    for (let i = 0; i < 3; i++) refused = await provision('Read Only Inc');
    expect(refused!.statusCode, refused!.body).toBe(503);
    expect(refused!.headers['retry-after']).toBeDefined();
    expect(refused!.json().detail).toMatch(/read-only/);
    expect((await app.inject({ url: '/api/tenants', headers: bearer(ADMIN_KEY) })).statusCode).toBe(200);
    await setting('RESET ALL');
    expect((await provision('Writable Again')).statusCode).toBe(201);
    const names = (await app.inject({ url: '/api/tenants', headers: bearer(ADMIN_KEY) }))
      .json()
      .tenants.map((t: { name: string }) => t.name);
    expect(names).toContain('Writable Again');
    expect(names).not.toContain('Read Only Inc');
  });

  /** A transaction holding `tenants` locked until `release` is called. */
  const holdTenants = async () => {
    const client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE tenantry.tenants IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  };
  const listTenants = () => app.inject({ url: '/api/tenants', headers: bearer(ADMIN_KEY) });

  for (const [what, statement, detail, code] of [
    ['a statement timeout', `SET statement_timeout = '200ms'`, /cancelled the statement/, /57014|canceling/],
    ['a lock timeout', `SET lock_timeout = '200ms'`, /is locked/, /55P03|lock timeout/],
  ] as const) {
    it(`${what} met behind a lock: 503 with Retry-After, the server's words kept out`, async () => {
      await setting(statement);
      expect((await listTenants()).statusCode).toBeLessThan(600); // connects anew
      const release = await holdTenants();
      try {
        const refused = await listTenants();
        expect(refused.statusCode, refused.body).toBe(503);
        expect(refused.headers['retry-after']).toBeDefined();
        expect(refused.json().detail).toMatch(detail);
        expect(refused.json().detail).not.toMatch(code);
      } finally {
        await release();
      }
      expect((await listTenants()).statusCode).toBe(200);
    });
  }
});
