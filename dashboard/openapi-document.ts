import { PostgresStore } from '../src/cache/postgres-store.ts';
import { parseConfig } from '../src/config.ts';
import type { Db } from '../src/db/database.ts';
import { NO_WORKERS } from '../src/health.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { registry } from '../src/tasks/index.ts';

/** The API's OpenAPI document, from an app that is built but never listens or queries. */
export async function buildDocument(db: Db): Promise<unknown> {
  const app = await buildApp({
    db,
    config: parseConfig({ LOG_LEVEL: 'silent' }),
    cacheStore: new PostgresStore(db),
    connectionString: '',
    registry,
    adminKey: 'document-only-admin-key-0123456789',
    logger: createLogger('silent', false),
    health: {
      database: async () => 'disconnected' as never,
      redis: async () => 'not_configured',
      workers: async () => NO_WORKERS,
      cache: async () => ({ store: 'postgres', state: 'connected' }),
    },
  });
  try {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    return res.json();
  } finally {
    await app.close();
  }
}
