import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.ts';
import type { App } from '../../src/http/app.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { suspend } from '../../src/lifecycle/status.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

const admin = bearer(ADMIN_KEY);

/** An open event stream: read until a pattern shows, or until the server ends it. */
interface Stream {
  until(pattern: RegExp): Promise<string>;
  /** Resolves with what was read once the server has closed the stream. */
  ended(): Promise<string>;
  close(): void;
}

describe('open event streams follow their access', () => {
  let tdb: TestDatabase;
  let app: App;
  let base: string;
  const open: Stream[] = [];

  const stream = async (path: string, headers: Record<string, string>): Promise<Stream> => {
    const controller = new AbortController();
    const res = await fetch(`${base}${path}`, { headers, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const s: Stream = {
      async until(pattern) {
        while (!pattern.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
          text += value;
        }
        return text;
      },
      async ended() {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return text;
          text += value;
        }
      },
      close: () => controller.abort(),
    };
    open.push(s);
    return s;
  };

  /** A job that waits an hour: its stream stays open until something ends it. */
  const waitingJob = async (tenant: string) =>
    (
      await dispatchJobs(tdb.db, registry, [
        { task: 'process-company-context', tenant, payload: { client_id: 1 }, delayMs: 3_600_000 },
      ])
    )[0]!.id;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    for (const id of ['acme', 'globex']) await createTenantWithSchema(tdb, { id });
    app = await buildTestApp(tdb.db, {}, registry, { connectionString: tdb.url });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await app.close();
    await tdb.close();
  });

  it("ends a revoked key's streams at once and leaves the tenant's other keys' streams open", async () => {
    const revoked = await createApiKey(tdb.db, 'acme');
    const kept = bearer((await createApiKey(tdb.db, 'acme')).key);
    const job = await waitingJob('acme');
    const page = await stream('/api/events', bearer(revoked.key));
    const one = await stream(`/api/job-logs/${job}/events`, bearer(revoked.key));
    const other = await stream('/api/events', kept);
    await page.until(/event: ready/);
    await one.until(/event: job/);
    await other.until(/event: ready/);

    const res = await app.inject({
      method: 'DELETE',
      url: `/api/tenants/acme/keys/${revoked.id}`,
      headers: admin,
    });
    expect(res.statusCode).toBe(204);
    // Both of the revoked key's streams end, before the job changes again.
    expect(await page.ended()).toContain('event: ready');
    expect(await one.ended()).not.toContain('cancelled');

    const cancel = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${job}/cancel`,
      headers: kept,
      payload: {},
    });
    expect(cancel.statusCode).toBe(202);
    expect(await other.until(new RegExp(`"id":"${job}"[^\\n]*"cancelled"`))).toContain('event: jobs');
  });

  it("ends a tenant key's job stream when the tenant is suspended", async () => {
    const key = bearer((await createApiKey(tdb.db, 'globex')).key);
    const s = await stream(`/api/job-logs/${await waitingJob('globex')}/events`, key);
    await s.until(/event: job/);
    await suspend(tdb.db, 'globex', 'unpaid');
    expect(await s.ended()).toContain('event: job');
    const again = await fetch(`${base}/api/job-logs/1/events`, { headers: key });
    expect(again.status).toBe(403);
  });

  it('checks held streams again after its LISTEN connection was lost (notifications missed meanwhile)', async () => {
    const revoked = await createApiKey(tdb.db, 'acme');
    const page = await stream('/api/events', bearer(revoked.key));
    await page.until(/event: ready/);
    // A revocation whose notification never arrives: as if sent while the connection was away.
    await sql`ALTER TABLE tenantry.api_keys DISABLE TRIGGER api_keys_revoked_notify`.execute(tdb.db);
    try {
      await sql`UPDATE tenantry.api_keys SET revoked_at = now() WHERE id = ${revoked.id}`.execute(tdb.db);
    } finally {
      await sql`ALTER TABLE tenantry.api_keys ENABLE TRIGGER api_keys_revoked_notify`.execute(tdb.db);
    }
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE application_name = 'tenantry-listener' AND datname = current_database()`.execute(tdb.db);
    expect(await page.ended()).toContain('event: ready');
  });
});
