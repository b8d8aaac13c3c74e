import { sql } from 'kysely';
import { type CreatedApiKey, createApiKey } from '../db/api-keys.ts';
import type { Db, DbOrTrx } from '../db/database.ts';
import { requireTenant } from '../db/tenants.ts';
import { invalid, notFound } from '../errors.ts';
import { recordTenantEvent } from './backup/index.ts';

/**
 * A new key for the tenant (rotation: create the new key, move clients, revoke the old one).
 * The plain key is returned once; the event records only its id.
 */
export async function createTenantKey(db: Db, tenantId: string, name = 'default'): Promise<CreatedApiKey> {
  if (name.trim().length === 0 || name.length > 100) throw invalid('name', 'must be 1-100 characters');
  return db.transaction().execute(async (trx) => {
    await requireTenant(trx, tenantId);
    const key = await createApiKey(trx, tenantId, name);
    await recordTenantEvent(trx, tenantId, 'key_created', { api_key_id: key.id, name });
    return key;
  });
}

export interface ApiKeySummary {
  id: string;
  name: string;
  /** The key's first characters, as the client shows them: enough to tell keys apart, not to use one. */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * The tenant's keys, oldest first, revoked ones included (when they stopped working is part of a
 * rotation's record). Never the key itself: only its hash is stored.
 */
export async function listTenantKeys(
  db: DbOrTrx,
  tenantId: string,
  page: { limit?: number; afterId?: string | undefined } = {},
): Promise<ApiKeySummary[]> {
  await requireTenant(db, tenantId);
  let query = db
    .selectFrom('tenantry.api_keys')
    .select(['id', 'name', 'key_prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('id');
  if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
  if (page.limit !== undefined) query = query.limit(page.limit);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: String(r.id),
    name: r.name,
    prefix: r.key_prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

/** Revokes one of the tenant's keys; a key of another tenant is not found, not revoked. */
export async function revokeTenantKey(db: Db, tenantId: string, keyId: string): Promise<void> {
  if (!/^\d{1,18}$/.test(keyId)) throw notFound(`API key ${keyId}`);
  await db.transaction().execute(async (trx) => {
    const revoked = await trx
      .updateTable('tenantry.api_keys')
      .set({ revoked_at: sql<Date>`now()` })
      .where('id', '=', keyId)
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!revoked) throw notFound(`API key ${keyId} of tenant ${tenantId}`);
    await recordTenantEvent(trx, tenantId, 'key_revoked', { api_key_id: keyId });
  });
}
