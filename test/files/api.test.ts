import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import type { App } from '../../src/http/app.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** A PUT whose body is `count` pieces of `size` bytes, sent chunked (no Content-Length). */
async function chunkedUpload(
  app: App,
  path: string,
  auth: Record<string, string>,
  count: number,
  size: number,
) {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  try {
    return await new Promise<{ statusCode: number; json: () => Record<string, unknown> }>(
      (resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'PUT', path, headers: auth }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () =>
            resolve({
              statusCode: res.statusCode ?? 0,
              json: () => JSON.parse(Buffer.concat(parts).toString()),
            }),
          );
        });
        // The server may answer and close before every piece is sent.
        req.on('error', reject);
        let sent = 0;
        const more = () => {
          while (sent < count) {
            sent++;
            if (!req.write(Buffer.alloc(size, 7))) return void req.once('drain', more);
          }
          req.end();
        };
        more();
      },
    );
  } finally {
    await app.close();
  }
}

/**
 * Tenant files through the API: stored in the tenant's schema, reached only with that tenant's
 * key (or an admin key naming it), never half-written, bounded per file and per tenant.
 */
describe('tenant files API', () => {
  let tdb: TestDatabase;
  let app: App;
  let headers: Record<'acme' | 'globex' | 'full', Record<string, string>>;
  const config = parseConfig({
    LOG_LEVEL: 'silent',
    FILE_MAX_BYTES: '3000000',
    FILE_MAX_BYTES_PER_TENANT: '4000000',
    FILE_MAX_PER_TENANT: '20',
  });
  const admin = bearer(ADMIN_KEY);
  const url = (path: string, tenant?: string) =>
    `/api/files/${encodeURIComponent(path)}${tenant ? `?tenant=${tenant}` : ''}`;
  const put = (as: Record<string, string>, path: string, payload: string | Buffer, extra: object = {}) =>
    app.inject({
      method: 'PUT',
      url: url(path),
      headers: { ...as, 'content-type': 'text/csv', ...extra },
      payload,
    });
  const rows = async (tenant: string) =>
    (
      await sql<{ files: number; chunks: number }>`
        SELECT (SELECT count(*)::int FROM ${sql.table(`tenant_${tenant}.files`)}) AS files,
               (SELECT count(*)::int FROM ${sql.table(`tenant_${tenant}.file_chunks`)}) AS chunks`.execute(
        tdb.db,
      )
    ).rows[0]!;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'acme', 'globex', 'full');
    app = await buildTestApp(tdb.db, {}, registry, { config });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('stores, lists, downloads and deletes a file, across chunks, byte for byte', async () => {
    // 2.5 MB: three chunks of at most 1 MiB.
    const body = Buffer.alloc(2_500_000, 'x');
    body.write('name,email\n', 0);
    const created = await put(headers.acme, 'imports/big clients.csv', body);
    expect(created.statusCode).toBe(201);
    const sha256 = createHash('sha256').update(body).digest('hex');
    expect(created.json()).toMatchObject({
      tenant: 'acme',
      path: 'imports/big clients.csv',
      content_type: 'text/csv',
      byte_size: 2_500_000,
      sha256,
      download_url: '/api/files/imports%2Fbig%20clients.csv?tenant=acme',
    });
    expect(created.headers.location).toBe(created.json().download_url);
    expect((await rows('acme')).chunks).toBe(3);

    const got = await app.inject({ method: 'GET', url: created.json().download_url, headers: headers.acme });
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(body)).toBe(true);
    expect(got.headers).toMatchObject({
      'content-type': 'text/csv',
      'content-length': '2500000',
      'content-disposition': 'attachment; filename="big clients.csv"',
      etag: `"${sha256}"`,
      'x-content-type-options': 'nosniff',
    });
    expect(got.headers['content-security-policy']).toContain('sandbox');
    const again = await app.inject({
      method: 'GET',
      url: url('imports/big clients.csv'),
      headers: { ...headers.acme, 'if-none-match': `"${sha256}"` },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    await put(headers.acme, 'imports/b.csv', 'name\nb\n');
    await put(headers.acme, 'notes.txt', 'hi', { 'content-type': 'text/plain; charset=utf-8' });
    const listed = await app.inject({
      method: 'GET',
      url: '/api/files?prefix=imports/&page_size=1',
      headers: headers.acme,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().files.map((f: { path: string }) => f.path)).toEqual(['imports/b.csv']);
    const next = await app.inject({
      method: 'GET',
      url: `/api/files?prefix=imports/&page_size=1&page_token=${listed.json().next_page_token}`,
      headers: headers.acme,
    });
    expect(next.json()).toMatchObject({
      files: [{ path: 'imports/big clients.csv' }],
      next_page_token: null,
    });

    const removed = await app.inject({
      method: 'DELETE',
      url: url('imports/big clients.csv'),
      headers: headers.acme,
    });
    expect(removed.statusCode).toBe(204);
    // Retired, not removed: its three chunks stay for downloads under way (tenant migration 0005).
    expect((await rows('acme')).chunks).toBe(5);
    expect(
      (await app.inject({ method: 'GET', url: url('imports/big clients.csv'), headers: headers.acme }))
        .statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'DELETE', url: url('imports/big clients.csv'), headers: headers.acme }))
        .statusCode,
    ).toBe(404);
  });

  it('keeps each tenant to its own files; an admin names the tenant', async () => {
    expect((await put(headers.globex, 'secret.csv', 'globex only')).statusCode).toBe(201);
    // acme's key cannot see, read, replace or delete it: the path is acme's own namespace.
    expect(
      (await app.inject({ method: 'GET', url: url('secret.csv'), headers: headers.acme })).statusCode,
    ).toBe(404);
    for (const method of ['GET', 'DELETE'] as const) {
      const other = await app.inject({ method, url: url('secret.csv', 'globex'), headers: headers.acme });
      expect(other.statusCode).toBe(404);
    }
    const listed = await app.inject({
      method: 'GET',
      url: '/api/files?tenant=globex',
      headers: headers.acme,
    });
    expect(listed.statusCode).toBe(404);
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: url('secret.csv', 'globex'),
          headers: headers.acme,
          payload: 'x',
        })
      ).statusCode,
    ).toBe(404);
    // The admin key must say whose files it means.
    const unnamed = await app.inject({ method: 'GET', url: url('secret.csv'), headers: admin });
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.json()).toMatchObject({ field: 'tenant' });
    const read = await app.inject({ method: 'GET', url: url('secret.csv', 'globex'), headers: admin });
    expect(read.body).toBe('globex only');
    expect(
      (await app.inject({ method: 'GET', url: '/api/files?tenant=nobody', headers: admin })).statusCode,
    ).toBe(404);
  });

  it('answers HEAD with the headers alone, and If-None-Match: * with 304', async () => {
    await put(headers.globex, 'head.csv', 'a,b\n1,2\n');
    const head = await app.inject({ method: 'HEAD', url: url('head.csv'), headers: headers.globex });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe('8');
    expect(head.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(head.body).toBe('');
    const any = await app.inject({
      method: 'GET',
      url: url('head.csv'),
      headers: { ...headers.globex, 'if-none-match': '*' },
    });
    expect(any.statusCode).toBe(304);
  });

  it('holds a tenant to four uploads at once (429, nothing written)', async () => {
    await sql`INSERT INTO tenant_acme.files (content_type) SELECT 'x' FROM generate_series(1, 4)`.execute(
      tdb.db,
    );
    const busy = await put(headers.acme, 'fifth.csv', 'x');
    expect(busy.statusCode).toBe(429);
    expect(busy.headers['retry-after']).toBe('5');
    expect(busy.json()).toMatchObject({ reason: 'uploads_in_flight' });
    await sql`DELETE FROM tenant_acme.files WHERE stored_at IS NULL`.execute(tdb.db);
    expect((await put(headers.acme, 'fifth.csv', 'x')).statusCode).toBe(201);
  });

  it('answers 503 with Retry-After when the tenant has no files table (a restore under way)', async () => {
    await sql`ALTER SCHEMA tenant_globex RENAME TO "tenant_globex__pre_restore"`.execute(tdb.db);
    try {
      for (const [method, target] of [
        ['GET', url('head.csv')],
        ['GET', '/api/files'],
        ['DELETE', url('head.csv')],
        ['PUT', url('head.csv')],
      ] as const) {
        const answer = await app.inject({
          method,
          url: target,
          headers: headers.globex,
          ...(method === 'PUT' ? { payload: 'x' } : {}),
        });
        expect(answer.statusCode, `${method} ${target}: ${answer.body}`).toBe(503);
        expect(answer.headers['retry-after']).toMatch(/^\d+$/);
        expect(answer.json().reason).toBe('files_unavailable');
      }
    } finally {
      await sql`ALTER SCHEMA "tenant_globex__pre_restore" RENAME TO tenant_globex`.execute(tdb.db);
    }
    // A schema not migrated to tenant migration 0005 yet (no retired_at): writes wait for it too.
    await sql`ALTER TABLE tenant_globex.files RENAME COLUMN retired_at TO retired_at_later`.execute(tdb.db);
    try {
      for (const method of ['PUT', 'DELETE'] as const) {
        const answer = await app.inject({
          method,
          url: url('head.csv'),
          headers: headers.globex,
          ...(method === 'PUT' ? { payload: 'x' } : {}),
        });
        expect(answer.statusCode, `${method}: ${answer.body}`).toBe(503);
        expect(answer.json().reason).toBe('files_unavailable');
      }
    } finally {
      await sql`ALTER TABLE tenant_globex.files RENAME COLUMN retired_at_later TO retired_at`.execute(tdb.db);
    }
  });

  it('stores a JSON body as bytes, and an empty one as an empty file', async () => {
    const json = '{"not": "parsed",\n "kept": [1, 2]}';
    const stored = await put(headers.globex, 'data.json', json, { 'content-type': 'application/json' });
    expect(stored.statusCode).toBe(201);
    const back = await app.inject({ method: 'GET', url: url('data.json'), headers: headers.globex });
    expect(back.body).toBe(json);
    expect(back.headers['content-type']).toBe('application/json');
    const empty = await app.inject({ method: 'PUT', url: url('empty'), headers: headers.globex });
    expect(empty.json()).toMatchObject({ byte_size: 0, content_type: 'application/octet-stream' });
    expect((await app.inject({ method: 'GET', url: url('empty'), headers: headers.globex })).body).toBe('');
  });

  it('replaces a file at its path whole, answering 200', async () => {
    await put(headers.globex, 'report.csv', 'first');
    const second = await put(headers.globex, 'report.csv', 'second version');
    expect(second.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: url('report.csv'), headers: headers.globex })).body).toBe(
      'second version',
    );
    const { rows: left } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenant_globex.files WHERE path = 'report.csv' OR stored_at IS NULL`.execute(
      tdb.db,
    );
    expect(left[0]!.n).toBe(1);
  });

  it('refuses bad paths and media types with a 400 naming the field, writing nothing', async () => {
    const before = await rows('globex');
    for (const path of ['../etc/passwd', 'a/../b', 'a//b', '.', 'é.csv', 'a\\b', ' lead', 'x'.repeat(256)]) {
      const answer = await put(headers.globex, path, 'x');
      expect(answer.statusCode, path).toBe(400);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.json().field, path).toBe('path');
    }
    const badType = await put(headers.globex, 'ok.csv', 'x', { 'content-type': 'not a type' });
    expect(badType.statusCode).toBe(415);
    expect(badType.json().field).toBe('content-type');
    const badPrefix = await app.inject({
      method: 'GET',
      url: '/api/files?prefix=%25',
      headers: headers.globex,
    });
    expect(badPrefix.json().field).toBe('prefix');
    expect(await rows('globex')).toEqual(before);
  });

  it('refuses a file over FILE_MAX_BYTES, announced or not, keeping the old one and no chunk', async () => {
    await put(headers.globex, 'kept.bin', 'old');
    const before = await rows('globex');
    const big = Buffer.alloc(3_000_001, 1);
    const announced = await put(headers.globex, 'kept.bin', big);
    expect(announced.statusCode).toBe(413);
    expect(announced.json()).toMatchObject({ reason: 'file_too_large', max_bytes: 3_000_000 });
    // Sent without a length (chunked, over a real socket): cut off while reading.
    const served = await buildTestApp(tdb.db, {}, registry, { config });
    const streamed = await chunkedUpload(served, url('kept.bin'), headers.globex, 4, 1_000_000);
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().reason).toBe('file_too_large');
    expect((await app.inject({ method: 'GET', url: url('kept.bin'), headers: headers.globex })).body).toBe(
      'old',
    );
    expect(await rows('globex')).toEqual(before);
  });

  it('leaves nothing of an upload whose client goes away midway', async () => {
    const unnamed = async () =>
      (
        await sql<{ files: number; chunks: number }>`
          SELECT count(*)::int AS files,
                 (SELECT count(*)::int FROM tenant_acme.file_chunks c JOIN tenant_acme.files f ON f.id = c.file_id
                  WHERE f.stored_at IS NULL) AS chunks
          FROM tenant_acme.files WHERE stored_at IS NULL`.execute(tdb.db)
      ).rows[0]!;
    const until = async (done: (u: { files: number; chunks: number }) => boolean) => {
      for (let i = 0; i < 500 && !done(await unnamed()); i++) await new Promise((r) => setTimeout(r, 20));
      return unnamed();
    };
    const served = await buildTestApp(tdb.db, {}, registry, { config });
    await served.listen({ host: '127.0.0.1', port: 0 });
    const { port } = served.server.address() as AddressInfo;
    try {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: url('gone.bin'),
        headers: headers.acme,
      });
      req.on('error', () => {});
      // More than a chunk: the first is stored before the client goes.
      req.write(Buffer.alloc(1_500_000, 1));
      expect((await until((u) => u.chunks > 0)).chunks).toBeGreaterThan(0);
      req.destroy();
      expect(await until((u) => u.files === 0)).toEqual({ files: 0, chunks: 0 });
    } finally {
      await served.close();
    }
    expect(
      (await app.inject({ method: 'GET', url: url('gone.bin'), headers: headers.acme })).statusCode,
    ).toBe(404);
  });

  it('holds a tenant to FILE_MAX_PER_TENANT files and FILE_MAX_BYTES_PER_TENANT bytes', async () => {
    await app.close();
    app = await buildTestApp(tdb.db, {}, registry, {
      config: parseConfig({
        LOG_LEVEL: 'silent',
        FILE_MAX_BYTES_PER_TENANT: '4000000',
        FILE_MAX_PER_TENANT: '3',
      }),
    });
    const mb = Buffer.alloc(1_500_000, 3);
    expect((await put(headers.full, 'one', mb)).statusCode).toBe(201);
    expect((await put(headers.full, 'two', mb)).statusCode).toBe(201);
    // 3 MB stored; 1.5 MB more passes the 4 MB quota.
    const over = await put(headers.full, 'three', mb);
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ reason: 'file_quota_exceeded' });
    // Replacing a file counts its new size in place of the old one.
    expect((await put(headers.full, 'two', Buffer.alloc(900_000))).statusCode).toBe(200);
    expect((await put(headers.full, 'three', 'small')).statusCode).toBe(201);
    const fourth = await put(headers.full, 'four', 'small');
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json().detail).toContain('FILE_MAX_PER_TENANT is 3');
    // A deletion gives the room back.
    await app.inject({ method: 'DELETE', url: url('one'), headers: headers.full });
    expect((await put(headers.full, 'four', 'small')).statusCode).toBe(201);
    await app.close();
    app = await buildTestApp(tdb.db, {}, registry, { config });
    const { rows: unnamed } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenant_full.files WHERE stored_at IS NULL`.execute(tdb.db);
    expect(unnamed[0]!.n).toBe(0);
  });

  it('lets concurrent uploads to one path leave exactly one whole file', async () => {
    // Four: as many uploads as one tenant may have under way.
    const bodies = Array.from({ length: 4 }, (_, i) => Buffer.alloc(300_000, 65 + i));
    const answers = await Promise.all(bodies.map((b) => put(headers.acme, 'race.bin', b)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 201]);
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    const got = await app.inject({ method: 'GET', url: url('race.bin'), headers: headers.acme });
    expect(bodies.some((b) => b.equals(got.rawPayload))).toBe(true);
    const { rows: left } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenant_acme.files WHERE path = 'race.bin' OR stored_at IS NULL`.execute(
      tdb.db,
    );
    expect(left[0]!.n).toBe(1);
  });
});
