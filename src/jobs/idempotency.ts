import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import { AppError } from '../errors.ts';

/** Keys are kept this long; a retry after that dispatches again. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/** Stable across key order, so a client re-serializing the same body gets the same hash. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function requestHash(body: unknown): Buffer {
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest();
}

/**
 * Whether (scope, key) was used already: its request is replayed (or refused as another body),
 * never run again, so what guards a new dispatch (the pending-jobs bound) is not asked. A
 * request racing the first one with its key is still reserved for, which errs on the safe side.
 */
export async function keyUsed(db: DbOrTrx, scope: string, key: string): Promise<boolean> {
  const row = await db
    .selectFrom('tenantry.idempotency_keys')
    .select('key')
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Runs `produce` at most once per (scope, key) and replays its response afterwards. Must be
 * called inside the transaction that does the work: a concurrent request with the same key
 * waits on the first one's row and then replays its committed response; if the first rolls
 * back, the second does the work itself. The same key with another body is 422.
 */
export async function once<T>(
  trx: DbOrTrx,
  scope: string,
  key: string,
  body: unknown,
  produce: () => Promise<T>,
): Promise<{ response: T; replayed: boolean }> {
  const hash = requestHash(body);
  const claimed = await sql<{ key: string }>`
    INSERT INTO tenantry.idempotency_keys (scope, key, request_hash, response)
    VALUES (${scope}, ${key}, ${hash}, 'null'::jsonb)
    ON CONFLICT (scope, key) DO NOTHING
    RETURNING key`.execute(trx);
  if (claimed.rows.length === 0) {
    const existing = await trx
      .selectFrom('tenantry.idempotency_keys')
      .select(['request_hash', 'response'])
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (!existing.request_hash.equals(hash)) {
      throw new AppError('unprocessable', 'this Idempotency-Key was used with a different request body', {
        field: 'Idempotency-Key',
      });
    }
    return { response: existing.response as T, replayed: true };
  }
  const response = await produce();
  await trx
    .updateTable('tenantry.idempotency_keys')
    .set({ response: JSON.stringify(response) })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .execute();
  return { response, replayed: false };
}

export async function expireIdempotencyKeys(db: DbOrTrx): Promise<number> {
  const result = await db
    .deleteFrom('tenantry.idempotency_keys')
    .where('created_at', '<', sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
