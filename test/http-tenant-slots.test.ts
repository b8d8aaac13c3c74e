import http from 'node:http';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { createApiKey } from '../src/db/api-keys.ts';
import { createDb, createPool, type Db } from '../src/db/database.ts';
import type { App } from '../src/http/app.ts';
import { MAX_WAITING_PER_TENANT, TenantSlots } from '../src/http/tenant-slots.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from './helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

const until = async (check: () => Promise<boolean> | boolean) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
};

describe('TenantSlots', () => {
  it('hands a slot given back to the first waiter, and forgets a tenant with none held', async () => {
    const slots = new TenantSlots(1);
    const first = slots.take('a');
    expect(await first?.granted).toBe(true);
    const order: string[] = [];
    const second = slots.take('a');
    const third = slots.take('a');
    void Promise.resolve(second?.granted).then((g) => order.push(`second ${g}`));
    void Promise.resolve(third?.granted).then((g) => order.push(`third ${g}`));
    // Another tenant is not behind them.
    expect(await slots.take('b')?.granted).toBe(true);
    expect(slots.snapshot()).toEqual({ a: { running: 1, waiting: 2 }, b: { running: 1, waiting: 0 } });
    second?.cancel();
    slots.give('a');
    await third?.granted;
    expect(order).toEqual(['second false', 'third true']);
    slots.give('a');
    slots.give('b');
    expect(slots.snapshot()).toEqual({});
  });

  it(`refuses a request past ${MAX_WAITING_PER_TENANT} waiting`, () => {
    const slots = new TenantSlots(1);
    for (let i = 0; i <= MAX_WAITING_PER_TENANT; i++) expect(slots.take('a')).toBeDefined();
    expect(slots.take('a')).toBeUndefined();
    expect(slots.take('b')).toBeDefined();
  });
});

describe('API_TENANT_CONCURRENCY', () => {
  let tdb: TestDatabase;
  let db: Db;
  let app: App;
  let headers: Record<'acme' | 'globex', Record<string, string>>;
  let locker: pg.Client | undefined;

  // The API's pool has four connections and a tenant may use two of them.
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'acme', 'globex');
    db = createDb(createPool({ connectionString: tdb.url, max: 4 }));
    app = await buildTestApp(db, {}, undefined, {
      config: parseConfig({ LOG_LEVEL: 'silent', API_TENANT_CONCURRENCY: '2' }),
    });
    // A route that ends without an answer once its client has gone (Fastify then sends
    // nothing, so neither onSend nor onResponse runs): its slot must still come back.
    app.get('/test/quiet-end', async (request, reply) => {
      await until(() => request.raw.destroyed || reply.raw.destroyed);
      if (!reply.raw.destroyed) return reply.send({});
    });
  });
  afterEach(async () => {
    await locker?.end();
    locker = undefined;
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
    await tdb.close();
  });

  /** acme's file list waits on a lock held until `locker` commits. */
  async function blockAcme() {
    locker = new pg.Client({ connectionString: tdb.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE tenant_acme.files IN ACCESS EXCLUSIVE MODE');
  }
  const lockWaiters = async () => {
    const { rows } = await tdb.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'tenant_acme.files'::regclass`,
    );
    return rows[0]!.n;
  };
  const listFiles = (tenant: 'acme' | 'globex') =>
    app.inject({ method: 'GET', url: '/api/files', headers: headers[tenant] });

  it("keeps one tenant's stuck requests from taking the connections every tenant shares", async () => {
    await blockAcme();
    const stuck = Array.from({ length: 8 }, () => listFiles('acme'));
    await until(async () => (await lockWaiters()) === 2);
    expect(app.tenantSlots?.snapshot()).toEqual({ acme: { running: 2, waiting: 6 } });
    // Without the bound acme's eight requests held all four connections, and globex's waited
    // for one until the pool gave up (503).
    const other = await listFiles('globex');
    expect(other.statusCode).toBe(200);
    await locker?.query('COMMIT');
    const answers = await Promise.all(stuck);
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
    expect(app.tenantSlots?.snapshot()).toEqual({});
  });

  it(`answers 429 past ${MAX_WAITING_PER_TENANT} requests waiting, naming the tenant, without looking the key up`, async () => {
    await blockAcme();
    const stuck = Array.from({ length: 2 + MAX_WAITING_PER_TENANT }, () => listFiles('acme'));
    await until(() => app.tenantSlots?.snapshot().acme?.waiting === MAX_WAITING_PER_TENANT);
    // The keys table locked: a request that looked its key up would wait here. A key this
    // process has seen waits in its tenant's line first, and past it is refused at once.
    const keysLocker = new pg.Client({ connectionString: tdb.url });
    await keysLocker.connect();
    try {
      await keysLocker.query('BEGIN');
      await keysLocker.query('LOCK TABLE tenantry.api_keys IN ACCESS EXCLUSIVE MODE');
      const refused = await listFiles('acme');
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json()).toMatchObject({ reason: 'tenant_requests_in_flight', tenant: 'acme' });
    } finally {
      await keysLocker.end();
    }
    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(ADMIN_KEY) });
    expect(metrics.body).toContain(`tenantry_api_tenant_requests{state="waiting"} ${MAX_WAITING_PER_TENANT}`);
    expect(metrics.body).toContain('tenantry_api_tenant_requests{state="running"} 2');
    expect(metrics.body).toMatch(/^tenantry_api_tenant_requests_refused_total 1$/m);
    await locker?.query('COMMIT');
    expect((await Promise.all(stuck)).every((a) => a.statusCode === 200)).toBe(true);
    expect(app.tenantSlots?.snapshot()).toEqual({});
  });

  it("keeps a revoked key out of its tenant's line once it has been refused", async () => {
    const { key, id } = await createApiKey(tdb.db, 'acme');
    const leaked = { authorization: `Bearer ${key}` };
    expect((await app.inject({ method: 'GET', url: '/api/files', headers: leaked })).statusCode).toBe(200);
    await tdb.db
      .updateTable('tenantry.api_keys')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .execute();
    expect((await app.inject({ method: 'GET', url: '/api/files', headers: leaked })).statusCode).toBe(401);
    await blockAcme();
    const stuck = Array.from({ length: 2 + MAX_WAITING_PER_TENANT }, () => listFiles('acme'));
    await until(() => app.tenantSlots?.snapshot().acme?.waiting === MAX_WAITING_PER_TENANT);
    // Remembered still, it waited in acme's full line (429) and could fill it for acme's keys.
    expect((await app.inject({ method: 'GET', url: '/api/files', headers: leaked })).statusCode).toBe(401);
    await locker?.query('COMMIT');
    expect((await Promise.all(stuck)).every((a) => a.statusCode === 200)).toBe(true);
  });

  it("bounds a shared file link's downloads in a lane of their own, beside the tenant's keys", async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/api/files/report.csv',
      headers: headers.acme,
      payload: 'a,b\n',
    });
    expect(put.statusCode).toBe(201);
    const link = await app.inject({
      method: 'POST',
      url: '/api/files/report.csv/links',
      headers: headers.acme,
    });
    expect(link.statusCode).toBe(201);
    await blockAcme();
    // Anyone holding the link downloads at once (all three stuck behind the lock here); the
    // third waits for a slot of the link lane, and acme's own keys still have both of theirs.
    const downloads = [1, 2, 3].map(() => app.inject({ method: 'GET', url: link.json().url }));
    await until(() => app.tenantSlots?.snapshot()['acme/links']?.waiting === 1);
    expect(app.tenantSlots?.snapshot()).toEqual({ 'acme/links': { running: 2, waiting: 1 } });
    const stuck = [listFiles('acme'), listFiles('acme')];
    await until(async () => (await lockWaiters()) === 4);
    expect(app.tenantSlots?.snapshot().acme).toEqual({ running: 2, waiting: 0 });
    await locker?.query('COMMIT');
    expect((await Promise.all(downloads)).map((d) => d.body)).toEqual(['a,b\n', 'a,b\n', 'a,b\n']);
    expect((await Promise.all(stuck)).map((a) => a.statusCode)).toEqual([200, 200]);
    expect(app.tenantSlots?.snapshot()).toEqual({});
  });

  describe('over real connections', () => {
    let port: number;
    beforeAll(async () => {
      port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
    });
    const open = (path: string, tenant: 'acme' | 'globex') => {
      const request = http.get({ host: '127.0.0.1', port, path, headers: headers[tenant] });
      request.on('error', () => {});
      return request;
    };

    it('keeps the slot of a client gone mid-request until its work ends, and frees a waiting one at once', async () => {
      await blockAcme();
      const running = [open('/api/files', 'acme'), open('/api/files', 'acme')];
      const waiting = [open('/api/files', 'acme'), open('/api/files', 'acme')];
      await until(() => app.tenantSlots?.snapshot().acme?.waiting === 2);
      for (const r of [...running, ...waiting]) r.destroy();
      // The waiters leave the line; the running requests still hold the lock's queue.
      await until(() => app.tenantSlots?.snapshot().acme?.waiting === 0);
      expect(app.tenantSlots?.snapshot().acme?.running).toBe(2);
      expect(await lockWaiters()).toBe(2);
      await locker?.query('COMMIT');
      await until(() => app.tenantSlots?.snapshot().acme === undefined);
      expect((await listFiles('acme')).statusCode).toBe(200);
    });

    it('gets the slot back from a handler that ends without an answer after its client left', async () => {
      const gone = [open('/test/quiet-end', 'acme'), open('/test/quiet-end', 'acme')];
      await until(() => app.tenantSlots?.snapshot().acme?.running === 2);
      for (const r of gone) r.destroy();
      await until(() => app.tenantSlots?.snapshot().acme === undefined);
      expect((await listFiles('acme')).statusCode).toBe(200);
    });

    it('does not count open event streams: a tenant with more streams than slots is still served', async () => {
      const streams = [open('/api/events', 'acme'), open('/api/events', 'acme'), open('/api/events', 'acme')];
      await Promise.all(streams.map((s) => new Promise((resolve) => s.once('response', resolve))));
      expect(app.tenantSlots?.snapshot()).toEqual({});
      expect((await listFiles('acme')).statusCode).toBe(200);
      for (const s of streams) s.destroy();
    });
  });
});
