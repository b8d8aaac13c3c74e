import { PostgresStore } from '../../src/cache/postgres-store.ts';
import { parseConfig } from '../../src/config.ts';
import { databaseState, NO_WORKERS } from '../../src/health.ts';
import { type App, buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';
import type { BenchDatabase } from './database.ts';

export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

/** The API on a bench database, silent, with the Postgres cache and no Redis. */
export function benchApp(
  bench: BenchDatabase,
  config = parseConfig({ DATABASE_URL: bench.url, LOG_LEVEL: 'silent' }),
): Promise<App> {
  return buildApp({
    db: bench.db,
    config,
    cacheStore: new PostgresStore(bench.db),
    connectionString: bench.url,
    registry,
    adminKey: ADMIN_KEY,
    logger: createLogger('silent', false),
    health: {
      database: () => databaseState(bench.db),
      redis: async () => 'not_configured',
      workers: async () => NO_WORKERS,
      cache: async () => ({ store: 'postgres', state: 'connected' }),
    },
  });
}
