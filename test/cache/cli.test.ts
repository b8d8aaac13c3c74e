import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PostgresStore } from '../../src/cache/postgres-store.ts';
import { RedisStore } from '../../src/cache/redis-store.ts';
import { createCacheRedis } from '../../src/cache/runtime.ts';
import { TenantCache } from '../../src/cache/tenant-cache.ts';
import { registerCacheCommands } from '../../src/cli/commands/cache.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('tenantry cache', () => {
  let tdb: TestDatabase;
  let store: PostgresStore;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    store = new PostgresStore(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
  });

  /** Runs one `tenantry cache …` command line the way main.ts does, collecting what it prints. */
  async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
    const lines: string[] = [];
    const program = new Command('tenantry').exitOverride().configureOutput({ writeErr: () => {} });
    registerCacheCommands(program, {
      env: { DATABASE_URL: tdb.url, LOG_LEVEL: 'silent', ...env },
      print: (line) => lines.push(line),
    });
    await program.parseAsync(args, { from: 'user' });
    return lines;
  }

  it('flushes one tenant or the central scope and says how many entries went', async () => {
    await new TenantCache(store, 'acme').putMany({ a: 1, b: 2 }, 60);
    await new TenantCache(store, 'acme-eu').put('a', 1, 60);
    await new TenantCache(store, undefined).put('a', 1, 60);
    expect(await run(['cache', 'flush', '--tenant', 'acme'])).toEqual([
      'flushed 2 entries of tenant acme from the postgres store',
    ]);
    expect(await run(['cache', 'flush', '--central'])).toEqual([
      'flushed 1 entry of the central scope from the postgres store',
    ]);
    expect(await new TenantCache(store, 'acme-eu').keys()).toEqual(['a']);
  });

  it('refuses a flush without exactly one scope, and a malformed tenant id', async () => {
    await expect(run(['cache', 'flush'])).rejects.toThrow('exactly one of --tenant ID or --central');
    await expect(run(['cache', 'flush', '--tenant', 'a', '--central'])).rejects.toThrow('exactly one');
    await expect(run(['cache', 'flush', '--tenant', 'Bad_Id'])).rejects.toThrow(/must be a tenant id/);
    // Stats of a name that is neither a tenant nor in the cache: named, not zeros.
    await expect(run(['cache', 'stats', '--tenant', 'nosuch'])).rejects.toThrow(
      'tenant nosuch was not found',
    );
  });

  it('prints per-tenant stats as a table, or as JSON', async () => {
    await new TenantCache(store, 'globex').put('k', 'v', 60);
    const table = await run(['cache', 'stats']);
    expect(table[0]).toMatch(/^scope\s+entries\s+bytes\s+expired$/);
    expect(table).toContainEqual(expect.stringMatching(/^acme-eu\s+1\s+17\s+0$/));
    expect(table).toContainEqual(expect.stringMatching(/^globex\s+1\s+18\s+0$/));
    expect(table).toContainEqual(expect.stringMatching(/^total\s+2\s+35\s+0$/));
    expect(table.at(-1)).toBe('(postgres store; at most 268435456 bytes per scope (CACHE_TENANT_MAX_BYTES))');

    const [json] = await run(['cache', 'stats', '--json', '--tenant', 'globex']);
    expect(JSON.parse(json!)).toEqual({
      store: 'postgres',
      max_bytes: 268_435_456,
      totals: { entries: 1, bytes: 18, expired: 0 },
      scopes: [{ tenant: 'globex', entries: 1, bytes: 18, expired: 0 }],
    });
  });

  it.skipIf(!inject('redisUrl'))('uses Redis when CACHE_STORE=redis', async () => {
    const redis = createCacheRedis(inject('redisUrl'));
    const tenant = `cli-${process.pid}`;
    try {
      await new TenantCache(new RedisStore(redis), tenant).putMany({ a: 1, b: 2, c: 3 }, 60);
      const env = { CACHE_STORE: 'redis', REDIS_URL: inject('redisUrl') };
      expect(await run(['cache', 'flush', '--tenant', tenant], env)).toEqual([
        `flushed 3 entries of tenant ${tenant} from the redis store`,
      ]);
    } finally {
      await redis.quit();
    }
  });
});
