import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { generateKey } from '../admin-key.ts';
import type { DbOrTrx } from './database.ts';
import type { TenantStatus } from './schema.ts';

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
}

/** Creates a key for a tenant (or an admin key when tenantId is null); the plain key is returned once. */
export async function createApiKey(
  db: DbOrTrx,
  tenantId: string | null,
  name = 'default',
): Promise<CreatedApiKey> {
  const key = generateKey(tenantId === null ? 'tnt_admin' : 'tnt');
  const prefix = key.slice(0, 12);
  const row = await db
    .insertInto('tenantry.api_keys')
    .values({ tenant_id: tenantId, name, key_hash: hashKey(key), key_prefix: prefix })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key, prefix };
}

export interface KeyOwner {
  id: string;
  tenant_id: string | null;
  key_hash: Buffer;
  tenant_status: TenantStatus | null;
  tenant_status_reason: string | null;
}

/** A live (not revoked) key by hash, with its tenant's status in the same round trip. */
export async function findKeyByHash(db: DbOrTrx, keyHash: Buffer): Promise<KeyOwner | undefined> {
  return db
    .selectFrom('tenantry.api_keys as k')
    .leftJoin('tenantry.tenants as t', 't.id', 'k.tenant_id')
    .select([
      'k.id',
      'k.tenant_id',
      'k.key_hash',
      't.status as tenant_status',
      't.status_reason as tenant_status_reason',
    ])
    .where('k.key_hash', '=', keyHash)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Records use at most once a minute per key, so authentication stays a read. */
export async function touchApiKey(db: DbOrTrx, id: string): Promise<void> {
  await db
    .updateTable('tenantry.api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb('last_used_at', 'is', null),
        eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`),
      ]),
    )
    .execute();
}
