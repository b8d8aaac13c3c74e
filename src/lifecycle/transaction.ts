import { type Kysely, sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { TenantryDatabase } from '../db/schema.ts';

/**
 * withConnectionTransaction (src/db/transaction.ts) for callers that hold only the kysely
 * handle, such as the HTTP routes: one pooled connection, BEGIN/COMMIT issued by hand, and a
 * handle bound to that connection. kysely's `db.transaction()` cannot be used because the
 * tenant migrations run through kysely's Migrator, which opens its own connection scope; on
 * this handle that scope is the same connection, so the migrations join the transaction.
 */
export async function inConnectionTransaction<T>(
  db: Db,
  fn: (trx: Kysely<TenantryDatabase>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`BEGIN`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`COMMIT`.execute(conn);
      return result;
    } catch (err) {
      await sql`ROLLBACK`.execute(conn).catch(() => {});
      throw err;
    }
  });
}
