import type { Command } from 'commander';
import type { CacheStore } from '../../cache/contract.ts';
import type { CacheStats } from '../../cache/stats.ts';
import { parseConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { tenantIdArg } from '../options.ts';

/** Where the commands read their settings and write their report; tests pass their own. */
export interface CacheCommandIo {
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
}

/** Opens the database (and Redis when CACHE_STORE=redis) for one command, and closes both after. */
async function withStore<T>(
  env: NodeJS.ProcessEnv,
  work: (store: CacheStore, db: Db) => Promise<T>,
): Promise<T> {
  const config = parseConfig(env);
  const [{ createLogger }, { openRuntime }, { createCacheStore }] = await Promise.all([
    import('../../logger.ts'),
    import('../../runtime.ts'),
    import('../../cache/runtime.ts'),
  ]);
  const runtime = await openRuntime(
    config,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
    { poolSize: 2 },
  );
  const store = createCacheStore(config, { db: runtime.db });
  try {
    return await work(store, runtime.db);
  } finally {
    await store.close();
    await runtime.close();
  }
}

export function registerCacheCommands(program: Command, io: CacheCommandIo = {}): void {
  const env = io.env ?? process.env;
  const print = io.print ?? ((line: string) => console.log(line));
  const cache = program.command('cache').description('the tenant cache (CACHE_STORE: postgres or redis)');

  cache
    .command('flush')
    .description("remove one tenant's cache entries, or the central ones")
    .option('--tenant <id>', 'the tenant whose entries to remove (it need not exist any more)', tenantIdArg)
    .option('--central', 'remove the central (tenant-less) entries')
    .action(async (opts: { tenant?: string; central?: boolean }) => {
      if ((opts.tenant === undefined) === !opts.central) {
        throw new Error('cache flush needs exactly one of --tenant ID or --central');
      }
      const scope = opts.central ? 'the central scope' : `tenant ${opts.tenant}`;
      await withStore(env, async (store) => {
        const { TenantCache } = await import('../../cache/tenant-cache.ts');
        const flushed = await new TenantCache(store, opts.tenant).flush();
        print(
          `flushed ${flushed} ${flushed === 1 ? 'entry' : 'entries'} of ${scope} from the ${store.name} store`,
        );
      });
    });

  cache
    .command('stats')
    .description('entries, bytes and expired entries awaiting the sweep, per tenant')
    .option('--tenant <id>', 'only this tenant', tenantIdArg)
    .option('--json', 'print the figures as one JSON object')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      await withStore(env, async (store, db) => {
        const { cacheStats } = await import('../../cache/stats.ts');
        const stats = await cacheStats(store, opts.tenant === undefined ? {} : { tenant: opts.tenant });
        // A tenant removed since may still have entries (they are shown); a name that is
        // neither a tenant nor in the cache is a mistake, not zeros.
        if (opts.tenant !== undefined && stats.totals.entries === 0) {
          const { requireTenant } = await import('../../db/tenants.ts');
          await requireTenant(db, opts.tenant);
        }
        // The API's field names (max_bytes), so a script reads either the same way.
        const { store: name, maxBytes, totals, scopes } = stats;
        if (opts.json) print(JSON.stringify({ store: name, max_bytes: maxBytes, totals, scopes }));
        else for (const line of statsTable(stats)) print(line);
      });
    });
}

/** A right-aligned table, one row per scope and a total, then the store it describes. */
export function statsTable({ store, maxBytes, totals, scopes }: CacheStats): string[] {
  const rows = [
    ['scope', 'entries', 'bytes', 'expired'],
    ...scopes.map((s) => [s.tenant ?? '(central)', String(s.entries), String(s.bytes), String(s.expired)]),
    ['total', String(totals.entries), String(totals.bytes), String(totals.expired)],
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const lines = rows.map((r) =>
    r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '),
  );
  const note = store === 'redis' ? 'redis store (Redis expires entries itself)' : 'postgres store';
  const bound =
    maxBytes === null
      ? 'no size bound per scope'
      : `at most ${maxBytes} bytes per scope (CACHE_TENANT_MAX_BYTES)`;
  return [...lines, `(${note}; ${bound})`];
}
