import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/app.ts';
import { dispatch } from '../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from './helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

const notification = {
  task: 'send-notification',
  payload: { channel: 'sms' as const, to: '+1', message: 'hi' },
};

describe('bad input is a 4xx naming the field, never a 5xx', () => {
  let tdb: TestDatabase;
  let app: App;
  let keys: Record<'acme' | 'globex', Record<string, string>>;
  const admin = bearer(ADMIN_KEY);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    keys = await tenantsWithKeys(tdb, 'acme', 'globex');
    app = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  const raw = (body: string, headers = keys.acme, url = '/api/jobs') =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: body,
    });
  const expectField = (
    res: { statusCode: number; json(): { field?: string } },
    status: number,
    field: string,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(res.json().field).toBe(field);
  };

  it('refuses NUL characters and unpaired surrogates in bodies, queries and headers', async () => {
    expectField(
      await raw(JSON.stringify({ ...notification, payload: { ...notification.payload, to: 'a\u0000b' } })),
      400,
      'payload.to',
    );
    expectField(
      await raw('{"task":"send-notification","payload":{"channel":"sms","to":"\\ud800","message":"x"}}'),
      400,
      'payload.to',
    );
    expectField(
      await raw(JSON.stringify({ ...notification, meta: { 'k\u0000': 1 } })),
      400,
      'meta."k\\u0000"',
    );
    const query = await app.inject({ method: 'GET', url: '/api/job-logs?task=a%00b', headers: keys.acme });
    expectField(query, 400, 'task');
    // Percent-encoded bytes that are not UTF-8 (a lone byte, an encoded surrogate, a broken
    // escape): refused naming the field, as in the path, not matched as U+FFFD (an empty 200).
    for (const value of ['%FF', '%ED%A0%80', '%E2%82', 'x%zz']) {
      const bad = await app.inject({ method: 'GET', url: `/api/job-logs?task=${value}`, headers: keys.acme });
      expectField(bad, 400, 'task');
    }
    const fine = await app.inject({
      method: 'GET',
      url: '/api/job-logs?task=caf%C3%A9+x',
      headers: keys.acme,
    });
    expect(fine.statusCode).toBe(200);
    const header = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: { ...keys.acme, 'idempotency-key': 'a\u0000b' },
      payload: notification,
    });
    expectField(header, 400, 'idempotency-key');
  });

  it('refuses a query parameter the route does not document, naming it', async () => {
    // A misspelt filter must not list (or let a bulk action reach) every job.
    for (const url of [
      '/api/job-logs?stauts=failed',
      '/api/tenants?page_size=5&sort=name',
      '/api/job-logs?limit=5',
      '/api/schedules?x=1',
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: admin });
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const res = await app.inject({ method: 'GET', url: '/api/job-logs?stauts=failed', headers: keys.acme });
    expectField(res, 400, 'stauts');
    expect(res.json().detail).toBe('querystring stauts: is not a known field here');
    // Operations without query parameters take none: a dry run asked for in the query was a
    // real bulk retry, a pattern asked for on a flush flushed everything.
    const retry = await app.inject({
      method: 'POST',
      url: '/api/job-logs/retry?dry_run=true',
      headers: admin,
      payload: { filter: { status: 'failed' } },
    });
    expectField(retry, 400, 'dry_run');
    expect(retry.json().detail).toBe('querystring dry_run: is not a known field here');
    const flush = await app.inject({
      method: 'DELETE',
      url: '/api/tenants/acme/cache?pattern=client:*',
      headers: admin,
    });
    expectField(flush, 400, 'pattern');
    expectField(await app.inject({ method: 'GET', url: '/api/tenants/acme?x=1', headers: admin }), 400, 'x');
    // No such operation stays a 404, whatever its query.
    expect((await app.inject({ method: 'GET', url: '/api/nope?x=1', headers: admin })).statusCode).toBe(404);
    // A browser's cache-buster is let through (a polyfill's lastEventId: test/job-logs/events.test.ts).
    expect(
      (await app.inject({ method: 'GET', url: '/api/tenants/acme?_=1712345', headers: admin })).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/api/job-logs?_=1712345', headers: keys.acme })).statusCode,
    ).toBe(200);
    // Documented parameters still work.
    const ok = await app.inject({
      method: 'GET',
      url: '/api/job-logs?status=failed&page_size=5',
      headers: keys.acme,
    });
    expect(ok.statusCode).toBe(200);
  });

  it('refuses numbers that overflow, and delays beyond ten years', async () => {
    expectField(
      await raw('{"task":"send-notification","payload":{"channel":"sms","to":"x","message":"y","n":1e309}}'),
      400,
      'payload.n',
    );
    expectField(await raw(JSON.stringify({ ...notification, delay_ms: 1e20 })), 400, 'delay_ms');
    expectField(await raw(JSON.stringify({ ...notification, priority: 99_999 })), 400, 'priority');
    expectField(
      await raw(JSON.stringify({ ...notification, run_at: '+275760-09-13T00:00:00.000Z' })),
      400,
      'run_at',
    );
    const page = await app.inject({
      method: 'GET',
      url: '/api/job-logs?page_size=1e309',
      headers: keys.acme,
    });
    expectField(page, 400, 'page_size');
  });

  it('refuses a leap second, which the date-time format admits and no Date can hold, naming the field', async () => {
    const leap = '2016-12-31T23:59:60Z';
    const get = (url: string) => app.inject({ method: 'GET', url, headers: keys.acme });
    expectField(await get(`/api/job-logs?created_after=${leap}`), 400, 'created_after');
    expectField(await get(`/api/job-logs/stats?since=${leap}`), 400, 'since');
    for (const action of ['retry', 'cancel']) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/job-logs/${action}`,
        headers: keys.acme,
        payload: { filter: { created_before: leap }, dry_run: true },
      });
      expectField(res, 400, 'filter.created_before');
      for (const asOf of [leap, '2026-01-01T00:00:00+23:00']) {
        const pinned = await app.inject({
          method: 'POST',
          url: `/api/job-logs/${action}`,
          headers: keys.acme,
          payload: { as_of: asOf, dry_run: true },
        });
        expectField(pinned, 400, 'as_of');
      }
    }
    expectField(await raw(JSON.stringify({ ...notification, run_at: leap })), 400, 'run_at');
  });

  it('bounds the depth of JSON bodies before parsing them', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const res = await raw(`{"task":"send-notification","payload":${deep}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/deeper than 32/);
  });

  it('coerces no number or boolean into a string field of a body', async () => {
    expectField(await raw(JSON.stringify({ task: 5, payload: {} })), 400, 'task');
    expectField(
      await raw(JSON.stringify({ ...notification, source: { type: 'x', id: 42 } })),
      400,
      'source.id',
    );
    expectField(await raw(JSON.stringify({ ...notification, job_key: true })), 400, 'job_key');
    const provision = await app.inject({
      method: 'POST',
      url: '/api/tenants',
      headers: admin,
      payload: { name: 12345, plan: 'pro' },
    });
    expectField(provision, 400, 'name');
  });

  it('bounds payload and meta (64 KiB by default) with 413 naming the field', async () => {
    const big = 'x'.repeat(70_000);
    expectField(
      await raw(JSON.stringify({ ...notification, payload: { ...notification.payload, message: big } })),
      413,
      'payload',
    );
    expectField(await raw(JSON.stringify({ ...notification, meta: { big } })), 413, 'meta');
  });

  it('refuses tampered and foreign page tokens', async () => {
    for (let i = 0; i < 3; i++)
      await dispatch(tdb.db, 'send-notification', notification.payload, { tenant: 'acme' });
    const first = (
      await app.inject({ method: 'GET', url: '/api/job-logs?page_size=1', headers: keys.acme })
    ).json();
    const token: string = first.next_page_token;
    expect(token).toBeTruthy();
    const ok = await app.inject({
      method: 'GET',
      url: `/api/job-logs?page_size=1&page_token=${token}`,
      headers: keys.acme,
    });
    expect(ok.statusCode).toBe(200);
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify(['not a time', '1'])).toString('base64url');
    for (const bad of [`${forged}.${mac}`, `${body}.AAAA`, 'garbage', `${body}`, `${token}.x`]) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/job-logs?page_token=${encodeURIComponent(bad)}`,
        headers: keys.acme,
      });
      expectField(res, 400, 'page_token');
    }
    // Issued to acme for job logs: neither globex nor another list accepts it.
    const foreign = await app.inject({
      method: 'GET',
      url: `/api/job-logs?page_token=${token}`,
      headers: keys.globex,
    });
    expectField(foreign, 400, 'page_token');
    const otherList = await app.inject({
      method: 'GET',
      url: `/api/exports/status?page_token=${token}`,
      headers: keys.acme,
    });
    expectField(otherList, 400, 'page_token');
  });

  it('answers references to missing rows with 404, not 500', async () => {
    const ghost = await raw(JSON.stringify({ ...notification, tenant: 'ghost' }), admin);
    expect(ghost.statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: '/api/job-logs/999999999', headers: keys.acme })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'POST', url: '/api/job-logs/999999999/retry', headers: keys.acme }))
        .statusCode,
    ).toBe(404);
    const key = await app.inject({
      method: 'DELETE',
      url: '/api/tenants/acme/keys/999999999',
      headers: admin,
    });
    expect(key.statusCode).toBe(404);
  });

  it('accepts an empty body where every field is optional, and merge-patch for settings', async () => {
    const empty = await app.inject({ method: 'POST', url: '/api/tenants/globex/deactivate', headers: admin });
    expect(empty.statusCode).toBe(200);
    const emptyJson = await app.inject({
      method: 'POST',
      url: '/api/tenants/globex/activate',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '',
    });
    expect(emptyJson.statusCode).toBe(200);
    const patch = await app.inject({
      method: 'PATCH',
      url: '/api/tenants/globex/settings',
      headers: { ...admin, 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ timezone: 'Europe/Madrid' }),
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json().settings.timezone).toBe('Europe/Madrid');
  });

  it('throttles repeated failed authentication from one address with 429 and Retry-After, valid keys still served', async () => {
    const throttled = await buildTestApp(tdb.db, {}, undefined, {});
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 22; i++) {
        const res = await throttled.inject({
          method: 'GET',
          url: '/api/job-logs',
          headers: bearer(`wrong-${i}`),
        });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(res.headers['content-type']).toMatch(/problem\+json/);
        }
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(20)).toEqual([429, 429]);
      // A valid key from the same address is served: one client's bad key, behind a proxy every
      // client shares, must not lock the other tenants (or the admin) out.
      const right = await throttled.inject({ method: 'GET', url: '/api/job-logs', headers: keys.acme });
      expect(right.statusCode).toBe(200);
      const admin = await throttled.inject({
        method: 'GET',
        url: '/api/tenants',
        headers: bearer(ADMIN_KEY),
      });
      expect(admin.statusCode).toBe(200);
      const wrong = await throttled.inject({ method: 'GET', url: '/api/job-logs', headers: bearer('wrong') });
      expect(wrong.statusCode).toBe(429);
    } finally {
      await throttled.close();
    }
  });
});
