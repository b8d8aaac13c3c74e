import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** Signed links: made with a key for one's own file, opened without one, ended by expiry, change or suspension. */
describe('file links', () => {
  let tdb: TestDatabase;
  let app: App;
  let headers: Record<'acme' | 'globex', Record<string, string>>;
  const enc = encodeURIComponent;
  const put = (path: string, body: string, as = headers.acme) =>
    app.inject({
      method: 'PUT',
      url: `/api/files/${enc(path)}`,
      headers: { ...as, 'content-type': 'text/plain' },
      payload: body,
    });
  const link = async (path: string, query = '', as = headers.acme) =>
    app.inject({ method: 'POST', url: `/api/files/${enc(path)}/links${query}`, headers: as });
  const open = (url: string, method: 'GET' | 'HEAD' = 'GET') => app.inject({ method, url });

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'acme', 'globex');
    app = await buildTestApp(tdb.db, {}, registry);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('opens the file without a key until it expires', async () => {
    await put('reports/q3.txt', 'quarter three');
    const made = await link('reports/q3.txt', '?expires_in=600');
    expect(made.statusCode).toBe(201);
    const { url, expires_at, sha256 } = made.json();
    expect(url).toMatch(/^\/api\/shared-files\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(590_000);
    const got = await open(url);
    expect(got.statusCode).toBe(200);
    expect(got.body).toBe('quarter three');
    // Tracking parameters a mail or chat app appends change nothing.
    expect((await open(`${url}?utm_source=mail&fbclid=x`)).body).toBe('quarter three');
    expect(got.headers).toMatchObject({
      etag: `"${sha256}"`,
      'content-disposition': 'attachment; filename="q3.txt"',
      'x-content-type-options': 'nosniff',
    });
    const head = await open(url, 'HEAD');
    expect(head.headers['content-length']).toBe('13');
    expect(head.body).toBe('');

    const past = app.fileLinks.sign({
      tenant: 'acme',
      path: 'reports/q3.txt',
      sha256,
      expiresAt: new Date(Date.now() - 1000),
      minter: 'root',
    });
    const expired = await open(`/api/shared-files/${past}`);
    expect(expired.statusCode).toBe(404);
    expect(expired.json().detail).toContain('expired');
  });

  it('ends when the file is replaced or deleted, or its tenant is suspended', async () => {
    await put('a.txt', 'first');
    const first = (await link('a.txt')).json().url;
    await put('a.txt', 'second');
    expect((await open(first)).statusCode).toBe(404);
    const second = (await link('a.txt')).json().url;
    expect((await open(second)).body).toBe('second');
    await sql`UPDATE tenantry.tenants SET status = 'suspended', status_reason = 'unpaid' WHERE id = 'acme'`.execute(
      tdb.db,
    );
    try {
      expect((await open(second)).statusCode).toBe(404);
    } finally {
      await sql`UPDATE tenantry.tenants SET status = 'active', status_reason = NULL WHERE id = 'acme'`.execute(
        tdb.db,
      );
    }
    expect((await open(second)).statusCode).toBe(200);
    await app.inject({ method: 'DELETE', url: '/api/files/a.txt', headers: headers.acme });
    expect((await open(second)).statusCode).toBe(404);
  });

  it('keeps link tokens out of logged URLs', async () => {
    const script =
      "const { createLogger } = await import('./src/logger.ts');" +
      "createLogger('info', false).info({ req: { url: '/api/shared-files/tok.mac?utm=1' } }, 'incoming request');";
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout).req.url).toBe('/api/shared-files/[redacted]?utm=1');
  });

  it('serves only links this API signed, for the file they name', async () => {
    await put('mine.txt', 'acme data');
    const url: string = (await link('mine.txt')).json().url;
    const [body, mac] = url.slice('/api/shared-files/'.length).split('.') as [string, string];
    // The tenant rewritten inside the token: the signature no longer matches.
    const forged = Buffer.from(
      Buffer.from(body, 'base64url').toString().replace('"acme"', '"globex"'),
    ).toString('base64url');
    expect((await open(`/api/shared-files/${forged}.${mac}`)).statusCode).toBe(404);
    expect((await open(`/api/shared-files/${body}.${mac.slice(0, -2)}AA`)).statusCode).toBe(404);
    const malformed = await open('/api/shared-files/not-a-token');
    expect(malformed.statusCode).toBe(400);
    // Signed with another admin key (rotated): no longer valid.
    const other = await buildTestApp(tdb.db, {}, registry, {
      adminKey: 'another-admin-key-0123456789abcdef',
    });
    try {
      expect((await other.inject({ method: 'GET', url })).statusCode).toBe(404);
    } finally {
      await other.close();
    }
  });

  it("makes links only to the key's own tenant's files, with a clear 400 for bad input", async () => {
    await put('theirs.txt', 'globex data', headers.globex);
    expect((await link('theirs.txt')).statusCode).toBe(404);
    expect((await link('theirs.txt', '?tenant=globex')).statusCode).toBe(404);
    const unnamed = await link('theirs.txt', '', bearer(ADMIN_KEY));
    expect(unnamed.json()).toMatchObject({ status: 400, field: 'tenant' });
    expect((await link('theirs.txt', '?tenant=globex', bearer(ADMIN_KEY))).statusCode).toBe(201);
    for (const query of ['?expires_in=10', '?expires_in=999999999', '?expires_in=soon']) {
      const bad = await link('mine.txt', query);
      expect(bad.statusCode, query).toBe(400);
      expect(bad.json().field, query).toBe('expires_in');
    }
    expect((await app.inject({ method: 'POST', url: '/api/files/mine.txt/links' })).statusCode).toBe(401);
  });

  // Last: it revokes the keys the other tests use.
  it('ends the links a key made when that key is revoked', async () => {
    await put('by-key.txt', 'made with a key');
    const url = (await link('by-key.txt')).json().url;
    expect((await open(url)).statusCode).toBe(200);
    await sql`UPDATE tenantry.api_keys SET revoked_at = now() WHERE tenant_id = 'globex'`.execute(tdb.db);
    // Another tenant's revoked key ends none of acme's links.
    expect((await open(url)).statusCode).toBe(200);
    const byAdmin = (await link('by-key.txt', '?tenant=acme', bearer(ADMIN_KEY))).json().url;
    await sql`UPDATE tenantry.api_keys SET revoked_at = now() WHERE tenant_id = 'acme'`.execute(tdb.db);
    expect((await open(url)).statusCode).toBe(404);
    // The admin key's own links stand until it is rotated.
    expect((await open(byAdmin)).body).toBe('made with a key');
  });
});
