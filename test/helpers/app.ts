import { createApiKey } from '../../src/db/api-keys.ts';
import type { Db } from '../../src/db/database.ts';
import { insertTenant, type NewTenant } from '../../src/db/tenants.ts';
import { databaseState, type HealthSources, NO_WORKERS } from '../../src/health.ts';
import { type App, buildApp } from '../../src/http/app.ts';
import type { TaskRegistry } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export async function buildTestApp(
  db: Db,
  health: Partial<HealthSources> = {},
  tasks: TaskRegistry = registry,
): Promise<App> {
  return buildApp({
    db,
    registry: tasks,
    adminKey: ADMIN_KEY,
    logger: createLogger('silent', false),
    health: {
      database: () => databaseState(db),
      redis: async () => 'not_configured',
      workers: async () => NO_WORKERS,
      ...health,
    },
  });
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A tenant row plus one API key for it. */
export async function createTenantWithKey(db: Db, tenant: Partial<NewTenant> & { id: string }) {
  await insertTenant(db, { name: tenant.id, ...tenant });
  const { key } = await createApiKey(db, tenant.id);
  return key;
}
