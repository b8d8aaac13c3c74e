import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.ts';
import type { App } from '../src/http/app.ts';
import { ADMIN_KEY, bearer, buildTestApp } from './helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

describe('problem+json errors', () => {
  let tdb: TestDatabase;
  let app: App;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    app = await buildTestApp(tdb.db);
    app.get('/boom', { config: { access: 'public' } }, async () => {
      throw new Error('connection string postgres://secret@db leaked');
    });
    app.post('/clash', { config: { access: 'public' } }, async () => {
      throw new AppError('conflict', 'tenant acme already exists');
    });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  const expectProblem = (res: Awaited<ReturnType<App['inject']>>, status: number) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:tenantry:problem:/) });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    expect(body.instance).toBe(res.headers['x-request-id']);
    return body;
  };

  it('renders an unknown route as 404', async () => {
    const body = expectProblem(await app.inject({ method: 'GET', url: '/api/nothing-here' }), 404);
    expect(body.detail).toBe('no route for GET /api/nothing-here');
  });

  it('answers a known path with a method it does not take as 405, naming the methods it does take', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/api/tenants?x=1', headers: bearer(ADMIN_KEY) });
    const body = expectProblem(res, 405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect(body).toMatchObject({
      code: 'method_not_allowed',
      detail: '/api/tenants does not take DELETE; it takes GET, HEAD, POST',
    });
    // Path parameters match as the real router matches them, and routes added later count too.
    const one = await app.inject({ method: 'PUT', url: '/api/job-logs/42' });
    expectProblem(one, 405);
    expect(one.headers.allow).toBe('GET, HEAD');
    expect((await app.inject({ method: 'POST', url: '/boom' })).headers.allow).toBe('GET, HEAD');
    // Still 404: a path no route serves under any method.
    expectProblem(await app.inject({ method: 'DELETE', url: '/api/job-logs/42/nothing' }), 404);
  });

  it('names the offending field on validation errors', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/tenants?page_size=500',
      headers: bearer(ADMIN_KEY),
    });
    const body = expectProblem(res, 400);
    expect(body).toMatchObject({ code: 'validation_failed', field: 'page_size' });
    expect(body.detail).toContain('page_size');

    const token = await app.inject({
      method: 'GET',
      url: '/api/tenants?page_token=garbage',
      headers: bearer(ADMIN_KEY),
    });
    expect(expectProblem(token, 400)).toMatchObject({ field: 'page_token' });

    const param = await app.inject({
      method: 'GET',
      url: '/api/tenants/Not_A_Slug',
      headers: bearer(ADMIN_KEY),
    });
    expect(expectProblem(param, 400)).toMatchObject({ field: 'id' });
  });

  it.each([
    // A choice of constants lists them (it said "must be equal to constant", once per choice).
    [
      'GET',
      '/api/job-logs?status=bogus',
      undefined,
      'querystring status: must be one of "pending", "running", "completed", "failed", "cancelled"',
    ],
    [
      'POST',
      '/api/exports',
      { export_type: 'clients', format: 'xml' },
      'body format: must be one of "csv", "json"',
    ],
    [
      'POST',
      '/api/tenants',
      { name: 'x', plan: 'gold' },
      'body plan: must be one of "free", "pro", "business"',
    ],
    // The union branch the client meant: the one whose property was sent (it named `backup`).
    ['POST', '/api/tenants/acme/restore', { latest: false }, 'body latest: must be true'],
    ['POST', '/api/tenants/acme/restore', { latest: 'true' }, 'body latest: must be boolean'],
    ['POST', '/api/tenants/acme/restore', { backup: 5 }, 'body backup: must be string'],
    ['POST', '/api/tenants/acme/restore', {}, 'body backup: is required (or latest instead)'],
  ] as const)('%s %s %j: %s', async (method, url, payload, detail) => {
    const res = await app.inject({
      method,
      url,
      headers: bearer(ADMIN_KEY),
      ...(payload ? { payload } : {}),
    });
    const body = expectProblem(res, 400);
    expect(body.detail).toBe(detail);
    expect(body.field).toBe(detail.split(' ')[1]!.replace(/:$/, ''));
    // Each issue once.
    const keys = body.errors.map((e: { field: string; message: string }) => `${e.field} ${e.message}`);
    expect(new Set(keys).size).toBe(keys.length);
    // A union's own failure says nothing its branches' issues do not.
    expect(keys.filter((k: string) => k.includes('must match a schema'))).toEqual([]);
  });

  it('maps vocabulary codes to their status, such as 409 for a conflict', async () => {
    const body = expectProblem(await app.inject({ method: 'POST', url: '/clash' }), 409);
    expect(body).toMatchObject({ code: 'conflict', title: 'Conflict', detail: 'tenant acme already exists' });
  });

  it('rejects a malformed JSON body with 400 and an unsupported media type with 415', async () => {
    const json = await app.inject({
      method: 'POST',
      url: '/clash',
      headers: { 'content-type': 'application/json' },
      payload: '{"oops":',
    });
    expectProblem(json, 400);
    const media = await app.inject({
      method: 'POST',
      url: '/clash',
      headers: { 'content-type': 'application/x-yaml' },
      payload: 'a: 1',
    });
    expectProblem(media, 415);
  });

  it('refuses bodies that are not UTF-8 JSON before any route reads them', async () => {
    const post = (contentType: string, payload: string | Buffer) =>
      app.inject({ method: 'POST', url: '/clash', headers: { 'content-type': contentType }, payload });
    // JSON sent as text, or in another charset, was parsed as a string ("must be object") or as UTF-8.
    expect(expectProblem(await post('text/plain', '{"a":1}'), 415).code).toBe('unsupported_media_type');
    expect(expectProblem(await post('application/json; charset=utf-16', '{"a":1}'), 415).detail).toContain(
      'charset=utf-16',
    );
    // Invalid bytes were decoded to U+FFFD and stored so, silently.
    const bad = expectProblem(
      await post('application/json', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d])),
      400,
    );
    expect(bad.detail).toContain('not valid UTF-8');
    expect((await post('application/json; charset=UTF-8', '{"a":1}')).statusCode).toBe(409);
  });

  it("answers requests Node's HTTP parser refuses with problem+json too", async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(base).port);
    const raw = async (request: string) => {
      const socket = connect(port, '127.0.0.1');
      socket.end(request);
      let text = '';
      for await (const chunk of socket) text += chunk.toString();
      const [head, body] = text.split('\r\n\r\n');
      return { status: Number(head!.split(' ')[1]), head: head!, body: JSON.parse(body!) };
    };
    const big = await raw(`GET /api/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    expect(big.head).toMatch(/content-type: application\/problem\+json/i);
    expect(big.body).toMatchObject({ status: 431, code: 'headers_too_large' });
    const garbage = await raw('NOT A REQUEST\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({
      status: 400,
      code: 'bad_request',
      detail: 'the HTTP request is malformed',
    });
  });

  it('hides internals of a 500 and logs them instead', async () => {
    const body = expectProblem(await app.inject({ method: 'GET', url: '/boom' }), 500);
    expect(body.detail).toBe('an unexpected error occurred');
    expect(JSON.stringify(body)).not.toContain('secret');
  });

  it('echoes a well-formed caller request id and replaces a malformed one', async () => {
    const given = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'abc-123' } });
    expect(given.json().instance).toBe('abc-123');
    const bad = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'a b\tc' } });
    expect(bad.json().instance).not.toBe('a b\tc');
  });
});
