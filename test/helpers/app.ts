import { PostgresStore } from '../../src/cache/postgres-store.ts';
import { parseConfig } from '../../src/config.ts';
import { createApiKey } from '../../src/db/api-keys.ts';
import type { Db } from '../../src/db/database.ts';
import { insertTenant, type NewTenant } from '../../src/db/tenants.ts';
import { databaseState, type HealthSources, NO_WORKERS } from '../../src/health.ts';
import { type App, type AppDeps, buildApp } from '../../src/http/app.ts';
import type { TaskRegistry } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';
import type { TestDatabase } from './database.ts';
import { createTenantWithSchema } from './worker.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export async function buildTestApp(
  db: Db,
  health: Partial<HealthSources> = {},
  tasks: TaskRegistry = registry,
  extra: Partial<AppDeps> = {},
): Promise<App> {
  return buildApp({
    db,
    config: parseConfig({ LOG_LEVEL: 'silent', CALLBACK_ALLOW_PRIVATE: 'true' }),
    cacheStore: new PostgresStore(db),
    connectionString: '',
    registry: tasks,
    adminKey: ADMIN_KEY,
    logger: createLogger('silent', false),
    health: {
      database: () => databaseState(db),
      redis: async () => 'not_configured',
      workers: async () => NO_WORKERS,
      cache: async () => ({ store: 'postgres', state: 'connected' }),
      ...health,
    },
    ...extra,
  });
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A tenant row plus one API key for it. */
export async function createTenantWithKey(db: Db, tenant: Partial<NewTenant> & { id: string }) {
  await insertTenant(db, { name: tenant.id, ...tenant });
  const { key } = await createApiKey(db, tenant.id);
  return key;
}

/** Tenants with their schemas migrated and an API key each: the bearer headers, by tenant id. */
export async function tenantsWithKeys<Id extends string>(
  tdb: TestDatabase,
  ...ids: Id[]
): Promise<Record<Id, Record<string, string>>> {
  const headers = {} as Record<Id, Record<string, string>>;
  for (const id of ids) {
    await createTenantWithSchema(tdb, { id });
    headers[id] = bearer((await createApiKey(tdb.db, id)).key);
  }
  return headers;
}
