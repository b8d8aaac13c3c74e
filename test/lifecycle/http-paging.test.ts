import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { createTenantKey } from '../../src/lifecycle/keys.ts';
import { ADMIN_KEY, bearer, buildTestApp, createTenantWithKey } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** Every list endpoint pages with page_size and page_token: a tenant's backups and keys too. */
describe("paging a tenant's backups and API keys", () => {
  let tdb: TestDatabase;
  let app: App;
  const admin = bearer(ADMIN_KEY);
  const get = (url: string) => app.inject({ method: 'GET', url, headers: admin });

  /** Every page of a list, following next_page_token, as the ids of `field`. */
  const walk = async (url: string, field: 'backups' | 'keys') => {
    const pages: string[][] = [];
    let token: string | null = null;
    do {
      const res = await get(`${url}?page_size=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      pages.push(body[field].map((item: { id: string }) => item.id));
      token = body.next_page_token;
    } while (token !== null && pages.length < 10);
    return pages;
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    app = await buildTestApp(tdb.db);
    await createTenantWithKey(tdb.db, { id: 'acme' });
    for (const name of ['b', 'c', 'd', 'e']) await createTenantKey(tdb.db, 'acme', name);
    // Five backups, three in the same microsecond and two a microsecond apart: the order is
    // created_at then id, both descending, and no page may skip or repeat one.
    await sql`INSERT INTO tenantry.backups (tenant_id, file_name, size_bytes, sha256, encrypted, created_at)
      SELECT 'acme', 'tenant_acme_2026-01-0' || i || '_00-00-00.dump', 10, repeat('a', 64), false,
             timestamptz '2026-01-01 00:00:00.000001+00' + CASE WHEN i <= 3 THEN interval '0' ELSE (i - 3) * interval '1 microsecond' END
      FROM generate_series(1, 5) i`.execute(tdb.db);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('walks the backups newest first, two at a time, each once', async () => {
    const { rows } = await sql<{ id: string }>`
      SELECT id::text FROM tenantry.backups WHERE tenant_id = 'acme' ORDER BY created_at DESC, id DESC`.execute(
      tdb.db,
    );
    const pages = await walk('/api/tenants/acme/backups', 'backups');
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(rows.map((r) => r.id));
  });

  it('walks the keys oldest first, two at a time, each once', async () => {
    const pages = await walk('/api/tenants/acme/keys', 'keys');
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(new Set(pages.flat()).size).toBe(5);
  });

  it('refuses a token of another list', async () => {
    const first = (await get('/api/tenants/acme/keys?page_size=1')).json();
    const res = await get(
      `/api/tenants/acme/backups?page_token=${encodeURIComponent(first.next_page_token)}`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('page_token');
  });
});
