import type { Selectable } from 'kysely';
import type { DbOrTrx } from './database.ts';
import type { TenantsTable } from './schema.ts';

export type Tenant = Selectable<TenantsTable>;

export interface NewTenant {
  id: string;
  name: string;
  plan?: string;
  settings?: Record<string, unknown>;
  owner?: string | null;
  concurrency?: number;
}

export async function insertTenant(db: DbOrTrx, tenant: NewTenant): Promise<Tenant> {
  return db
    .insertInto('tenantry.tenants')
    .values({
      id: tenant.id,
      name: tenant.name,
      plan: tenant.plan,
      settings: JSON.stringify(tenant.settings ?? {}),
      owner: tenant.owner ?? null,
      concurrency: tenant.concurrency,
      status_reason: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findTenant(db: DbOrTrx, id: string): Promise<Tenant | undefined> {
  return db.selectFrom('tenantry.tenants').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Tenants in id order, after `afterId` (keyset pagination). */
export async function listTenants(db: DbOrTrx, limit: number, afterId?: string): Promise<Tenant[]> {
  let query = db.selectFrom('tenantry.tenants').selectAll().orderBy('id').limit(limit);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.execute();
}
