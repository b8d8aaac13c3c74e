import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool } from '../../src/db/database.ts';
import type { App } from '../../src/http/app.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';

// Port 1 on loopback: nothing listens there, so every connection is refused at once.
const NOWHERE = 'postgres://postgres@127.0.0.1:1/tenantry';

describe('while PostgreSQL cannot be reached', () => {
  const pool = createPool({ connectionString: NOWHERE, max: 2 });
  const db = createDb(pool);
  let app: App;

  beforeAll(async () => {
    app = await buildTestApp(db);
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  it('answers API routes 503 problem+json with Retry-After, never 500', async () => {
    for (const [method, url, payload] of [
      ['GET', '/api/job-logs', undefined],
      ['GET', '/api/tenants', undefined],
      [
        'POST',
        '/api/jobs',
        { task: 'send-notification', tenant: 'acme', payload: { channel: 'sms', to: 'x', message: 'y' } },
      ],
    ] as const) {
      const res = await app.inject({ method, url, headers: bearer(ADMIN_KEY), payload });
      expect(res.statusCode, `${method} ${url}`).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.json().detail).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    }
  });

  it('reports itself unhealthy with 503 on /health', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unhealthy', database: 'disconnected' });
  });

  it('makes a starting worker wait, then exit 1 with one line once DATABASE_WAIT_MS has passed', async () => {
    const result = await runCli(['worker', '--no-migrate'], {
      DATABASE_URL: NOWHERE,
      DATABASE_WAIT_MS: '1500',
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tenantry: PostgreSQL did not answer within 2 s/);
  });
});
