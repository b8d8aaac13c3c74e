import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { RETIRED_MAX } from '../../src/files/repository.ts';
import type { App } from '../../src/http/app.ts';
import { cleanupRows } from '../../src/lifecycle/maintenance-sql.ts';
import { registry } from '../../src/tasks/index.ts';
import { buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * A file replaced or deleted is retired (tenant migration 0005): a download already reading it
 * ends whole, with the bytes it began with; retired files never hold the tenant's quota back and
 * go once their hour has passed.
 */
describe('retired files', () => {
  let tdb: TestDatabase;
  let app: App;
  let base: string;
  let headers: Record<'acme' | 'tight', Record<string, string>>;
  const url = (path: string) => `/api/files/${encodeURIComponent(path)}`;
  const put = (as: Record<string, string>, path: string, payload: Buffer, on = app) =>
    on.inject({
      method: 'PUT',
      url: url(path),
      headers: { ...as, 'content-type': 'application/octet-stream' },
      payload,
    });
  const retired = async (tenant: string) =>
    (
      await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(`tenant_${tenant}.files`)}
        WHERE retired_at IS NOT NULL`.execute(tdb.db)
    ).rows[0]!.n;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'acme', 'tight');
    app = await buildTestApp(tdb.db, {}, registry, {
      config: parseConfig({
        LOG_LEVEL: 'silent',
        FILE_MAX_BYTES: '40000000',
        FILE_MAX_BYTES_PER_TENANT: '100000000',
      }),
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('lets a download under way end with the bytes it began with, the file replaced and deleted meanwhile', async () => {
    // 32 chunks: far more than the socket and the stream hold before the client reads on (the
    // file removed at once, as before tenant migration 0005, cut a 16-chunk one after ~7 MB).
    const body = randomBytes(32 * 1024 * 1024);
    const stored = await put(headers.acme, 'big.bin', body);
    expect(stored.statusCode, stored.body).toBe(201);
    const download = await fetch(`${base}${url('big.bin')}`, { headers: headers.acme });
    expect(download.status).toBe(200);
    const reader = download.body!.getReader();
    const parts: Uint8Array[] = [];
    const first = await reader.read();
    parts.push(first.value!);

    expect((await put(headers.acme, 'big.bin', randomBytes(1000))).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'DELETE', url: url('big.bin'), headers: headers.acme })).statusCode,
    ).toBe(204);
    for (let part = await reader.read(); !part.done; part = await reader.read()) parts.push(part.value);
    const got = Buffer.concat(parts);
    expect(got.length).toBe(body.length);
    expect(createHash('sha256').update(got).digest('hex')).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
    expect(await retired('acme')).toBe(2);
    expect((await app.inject({ method: 'GET', url: url('big.bin'), headers: headers.acme })).statusCode).toBe(
      404,
    );
  });

  it("gives retired files' room to the tenant at once, and removes them once their hour has passed", async () => {
    const tight = await buildTestApp(tdb.db, {}, registry, {
      config: parseConfig({
        LOG_LEVEL: 'silent',
        FILE_MAX_BYTES: '3000000',
        FILE_MAX_BYTES_PER_TENANT: '3000000',
      }),
    });
    try {
      const two = Buffer.alloc(2_000_000, 1);
      expect((await put(headers.tight, 'a', two, tight)).statusCode).toBe(201);
      expect((await put(headers.tight, 'a', two, tight)).statusCode).toBe(200);
      expect(await retired('tight')).toBe(1);
      // 2 MB stored in place of 2 MB, with 2 MB retired: over the 3 MB quota, so the retired go first.
      expect((await put(headers.tight, 'a', two, tight)).statusCode).toBe(200);
      expect(await retired('tight')).toBe(1);

      // Past its hour, a retired file goes with the tenant's next delete (or upload).
      await sql`UPDATE tenant_tight.files SET retired_at = now() - interval '2 hours'
        WHERE retired_at IS NOT NULL`.execute(tdb.db);
      expect(
        (await tight.inject({ method: 'DELETE', url: url('a'), headers: headers.tight })).statusCode,
      ).toBe(204);
      expect(await retired('tight')).toBe(1);
      // And with the daily cleanup, which reports it.
      await sql`UPDATE tenant_tight.files SET retired_at = now() - interval '2 hours'
        WHERE retired_at IS NOT NULL`.execute(tdb.db);
      expect(await cleanupRows(tdb.db, 'tight', 365, true)).toMatchObject({ retired_files: 1 });
      expect(await retired('tight')).toBe(1);
      expect(await cleanupRows(tdb.db, 'tight', 365, false)).toMatchObject({ retired_files: 1 });
      expect(await retired('tight')).toBe(0);
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM tenant_tight.file_chunks`.execute(tdb.db);
      expect(rows[0]!.n).toBe(0);

      // Many small files replaced within the hour: only the newest RETIRED_MAX are kept (and the
      // one the last upload retired after its sweep).
      for (let i = 0; i < RETIRED_MAX + 5; i++)
        await put(headers.tight, 'small', Buffer.from(`v${i}`), tight);
      expect(await retired('tight')).toBe(RETIRED_MAX + 1);
    } finally {
      await tight.close();
    }
  });
});
