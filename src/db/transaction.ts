import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import type { TenantryDatabase } from './schema.ts';

/**
 * Runs `fn` in one database transaction through a kysely instance bound to that
 * transaction's connection. Unlike `db.transaction()`, the instance can be handed to
 * code that opens its own connection scope, such as kysely's Migrator, so schema creation
 * and migrations share the caller's transaction and roll back with it.
 */
export async function withConnectionTransaction<T>(
  pool: pg.Pool,
  fn: (db: Kysely<TenantryDatabase>) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const borrowed: PostgresPoolClient = {
    query: client.query.bind(client) as PostgresPoolClient['query'],
    release: () => {},
  };
  const single: PostgresPool = { connect: async () => borrowed, end: async () => {}, options: {} };
  const db = new Kysely<TenantryDatabase>({ dialect: new PostgresDialect({ pool: single }) });
  let failed = false;
  try {
    await client.query('BEGIN');
    const result = await fn(db);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failed = true;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await db.destroy();
    // A connection whose rollback failed is not returned to the pool in an unknown state.
    client.release(failed ? true : undefined);
  }
}
