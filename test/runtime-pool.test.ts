// The process pool keeps idle connections for DATABASE_IDLE_TIMEOUT_MS: a new connection's first
// dispatch is compiled and planned anew (~25 ms against 2-5), so a quiet deployment keeps its
// connections instead of opening one per request after node-postgres' default 10 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimePoolSize } from '../src/cli/commands/serve-commands.ts';
import { parseConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { openRuntime } from '../src/runtime.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await cloneTestDatabase();
});
afterAll(() => tdb.close());

/** Server connections of the runtimes (this file's own pool, one connection, left out). */
async function backends(applicationName: string): Promise<number> {
  const { rows } = await tdb.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()',
    [applicationName],
  );
  return rows[0]!.n;
}

describe('the runtime pool', () => {
  it('closes an idle connection only once DATABASE_IDLE_TIMEOUT_MS has passed', async () => {
    const open = (idle: string) =>
      openRuntime(
        parseConfig({ DATABASE_URL: tdb.url, DATABASE_IDLE_TIMEOUT_MS: idle, LOG_LEVEL: 'silent' }),
        createLogger('silent', false),
      );
    const short = await open('1000');
    const long = await open('600000');
    try {
      await Promise.all([short.pool.query('SELECT 1'), long.pool.query('SELECT 1')]);
      expect(await backends('tenantry')).toBe(2);
      // Wait until the short pool has let its connection go (its timer fires after 1 s).
      for (let i = 0; i < 100 && short.pool.totalCount > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(short.pool.totalCount).toBe(0);
      expect(long.pool.totalCount).toBe(1);
      expect(long.pool.idleCount).toBe(1);
      expect(await backends('tenantry')).toBe(1);
    } finally {
      await short.close();
      await long.close();
    }
  });
});

describe('the process pool size', () => {
  it('holds a connection for each job a worker runs at once, beside its own, and a few for an API alone', () => {
    expect(runtimePoolSize(undefined)).toBe(4);
    expect(runtimePoolSize(5)).toBe(10);
    expect(runtimePoolSize(50)).toBe(52);
  });
});
