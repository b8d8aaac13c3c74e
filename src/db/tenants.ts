import { type Selectable, sql } from 'kysely';
import { notFound } from '../errors.ts';
import type { DbOrTrx } from './database.ts';
import type { TenantStatus, TenantsTable } from './schema.ts';

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

/**
 * For a filter naming a tenant (`--tenant`): one that does not exist is a not_found, the same
 * answer the API gives, rather than an empty result that reads as "nothing to do".
 */
export async function requireTenant(db: DbOrTrx, id: string | undefined): Promise<void> {
  if (id === undefined) return;
  const found = await db.selectFrom('tenantry.tenants').select('id').where('id', '=', id).executeTakeFirst();
  if (!found) throw notFound(`tenant ${id}`);
}

/** Tenants in id order, after `afterId` (keyset pagination). */
export async function listTenants(db: DbOrTrx, limit: number, afterId?: string): Promise<Tenant[]> {
  let query = db.selectFrom('tenantry.tenants').selectAll().orderBy('id').limit(limit);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.execute();
}

/**
 * The row, locked until the caller's transaction ends, so read-modify-write is safe. FOR NO KEY
 * UPDATE: dispatch holds lane locks while its job_logs rows key-share the tenant row (foreign
 * key); a full FOR UPDATE here, followed by the status trigger locking those lanes, would
 * deadlock with it. The id never changes, so the weaker lock is enough.
 */
export async function lockTenant(db: DbOrTrx, id: string): Promise<Tenant | undefined> {
  return db
    .selectFrom('tenantry.tenants')
    .selectAll()
    .where('id', '=', id)
    .forNoKeyUpdate()
    .executeTakeFirst();
}

export interface TenantChanges {
  status?: TenantStatus;
  status_reason?: string | null;
  settings?: Record<string, unknown>;
  name?: string;
  plan?: string;
}

export async function updateTenant(db: DbOrTrx, id: string, changes: TenantChanges): Promise<Tenant> {
  const { settings, ...rest } = changes;
  return db
    .updateTable('tenantry.tenants')
    .set({
      ...rest,
      ...(settings === undefined ? {} : { settings: JSON.stringify(settings) }),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** How many tenants `owner` already has on each of `plans` (plan limits are per owner and plan); absent: none. */
export async function countOwnedTenants(
  db: DbOrTrx,
  owner: string,
  plans: readonly string[],
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('tenantry.tenants')
    .select(['plan', (eb) => eb.fn.countAll<string>().as('n')])
    // Owners are compared case-insensitively: Ann@Example.com and ann@example.com are one owner.
    .where(sql<string>`lower(owner)`, '=', owner.toLowerCase())
    .where('plan', 'in', plans.length > 0 ? [...plans] : [''])
    .groupBy('plan')
    .execute();
  return new Map(rows.map((r) => [r.plan, Number(r.n)]));
}

/** Every tenant id in id order (operator commands over all tenants). */
export async function allTenantIds(db: DbOrTrx): Promise<string[]> {
  const rows = await db.selectFrom('tenantry.tenants').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}
