import { createHmac, randomBytes } from 'node:crypto';
import type { DbOrTrx } from '../db/database.ts';

/** The tenant's callback signing key, made on first use. */
export async function callbackSecret(db: DbOrTrx, tenantId: string): Promise<string> {
  await db
    .insertInto('tenantry.callback_secrets')
    .values({ tenant_id: tenantId, secret: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
  const row = await db
    .selectFrom('tenantry.callback_secrets')
    .select('secret')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return row.secret;
}

/** `sha256=<hex HMAC-SHA256 of the exact body>`: receivers recompute it over the raw bytes. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
