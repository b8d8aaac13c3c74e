// The API runs on a pool of its own whose statements are cut at API_STATEMENT_TIMEOUT_MS: a
// request stuck behind a lock (or reading more than it should) gives its connection back with a
// 503, while the worker's pool, which runs long tasks and the migrations, has no such bound.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, serve } from '../src/cli/serve.ts';
import { parseConfig } from '../src/config.ts';
import { createPool } from '../src/db/database.ts';
import { createLogger } from '../src/logger.ts';
import { openRuntime } from '../src/runtime.ts';
import { registry } from '../src/tasks/index.ts';
import { tenantsWithKeys } from './helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

const ADMIN_KEY = 'statement-timeout-admin-key-0123456789';

describe('API_STATEMENT_TIMEOUT_MS', () => {
  let tdb: TestDatabase;
  let service: Service;
  let headers: Record<'acme', Record<string, string>>;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'acme');
    const config = parseConfig({
      DATABASE_URL: tdb.url,
      TENANTRY_ADMIN_KEY: ADMIN_KEY,
      API_STATEMENT_TIMEOUT_MS: '300',
      PORT: '0',
      LOG_LEVEL: 'silent',
      CRONTAB_FILE: '/nonexistent/crontab',
    });
    const logger = createLogger('silent', false);
    service = await serve(
      config,
      logger,
      { api: true, worker: { concurrency: 1, cron: false, registry }, migrate: false },
      openRuntime(config, logger, { poolSize: 10 }),
    );
    await service.workerStarted;
  });
  afterAll(async () => {
    await service?.stop();
    await tdb.close();
  });

  it('answers 503 for a request whose statement runs past it, and serves the next one', async () => {
    const app = service.app!;
    const locker = new pg.Client({ connectionString: tdb.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tenant_acme.files IN ACCESS EXCLUSIVE MODE');
      const cut = await app.inject({ method: 'GET', url: '/api/files', headers: headers.acme });
      expect(cut.statusCode).toBe(503);
      expect(cut.headers['retry-after']).toBeDefined();
      expect(cut.json().detail).toMatch(/cancelled the statement/);
      await locker.query('ROLLBACK');
      expect((await app.inject({ method: 'GET', url: '/api/files', headers: headers.acme })).statusCode).toBe(
        200,
      );
    } finally {
      await locker.end();
    }
  });

  it("leaves the worker's pool without it", async () => {
    const { rows } = await service.runtime.pool.query<{ statement_timeout: string }>(
      'SHOW statement_timeout',
    );
    expect(rows[0]!.statement_timeout).toBe('0');
    const health = await service.app!.inject({ method: 'GET', url: '/health' });
    expect(health.json()).toMatchObject({ database: 'connected' });
  });

  it('keeps the setting when DATABASE_URL carries options of its own', async () => {
    const url = new URL(tdb.url);
    url.searchParams.set('options', '-c work_mem=5MB');
    const pool = createPool({
      connectionString: url.toString(),
      max: 1,
      settings: { statement_timeout: '1234' },
    });
    try {
      const { rows } = await pool.query<{ t: string; w: string }>(
        `SELECT current_setting('statement_timeout') AS t, current_setting('work_mem') AS w`,
      );
      expect(rows[0]).toEqual({ t: '1234ms', w: '5MB' });
    } finally {
      await pool.end();
    }
  });
});
