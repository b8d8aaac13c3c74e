import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.ts';

export interface MigrationFile {
  name: string;
  text: string;
}

/** The `.sql` files of a migrations directory in name order, read once for every schema. */
export async function loadMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (f) => ({ name: f.slice(0, -4), text: await readFile(path.join(dir, f), 'utf8') })),
  );
}

/**
 * Applies the pending migrations of one already-initialized tenant schema, in one
 * transaction, keeping kysely Migrator's bookkeeping (`schema_migrations` rows of name and
 * ISO timestamp) so either path can take over from the other.
 *
 * Why not kysely's Migrator here: it introspects every table of the database to find its
 * own migration table and serializes all runs on one advisory lock, so migrating N schemas
 * costs O(N^2) and parallelism gains nothing. This path reads one table per schema and locks
 * per schema. Returns undefined when the schema has no migration table yet; the caller then
 * uses the Migrator, which creates it.
 */
export async function applyPendingMigrations(
  db: Db,
  schema: string,
  files: MigrationFile[],
  /** Runs first in the migration's transaction; throws to leave the schema as it is. */
  guard: (trx: DbOrTrx) => Promise<void> = async () => {},
): Promise<string[] | undefined> {
  return db.transaction().execute(async (trx) => {
    await guard(trx);
    const { rows: found } = await sql<{ ok: boolean }>`
      SELECT to_regclass(${`"${schema}".schema_migrations`}) IS NOT NULL AS ok`.execute(trx);
    if (!found[0]?.ok) return undefined;
    await sql`SELECT pg_advisory_xact_lock(hashtext('tenantry.tenant-migrate'), hashtext(${schema}))`.execute(
      trx,
    );
    const { rows } = await sql<{ name: string }>`
      SELECT name FROM ${sql.id(schema, 'schema_migrations')} ORDER BY name`.execute(trx);
    const applied = new Set(rows.map((r) => r.name));
    const known = new Set(files.map((f) => f.name));
    const unknown = [...applied].filter((name) => !known.has(name));
    if (unknown.length)
      throw new Error(`schema ${schema} has migrations that are not on disk: ${unknown.join(', ')}`);
    const pending = files.filter((f) => !applied.has(f.name));
    for (const file of pending) {
      try {
        await sql`SELECT set_config('search_path', ${schema}, true)`.execute(trx);
        await sql.raw(file.text).execute(trx);
        await sql`RESET search_path`.execute(trx);
        await sql`INSERT INTO ${sql.id(schema, 'schema_migrations')} (name, timestamp)
                  VALUES (${file.name}, ${new Date().toISOString()})`.execute(trx);
      } catch (err) {
        throw new Error(`migration ${file.name} of schema ${schema} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    return pending.map((f) => f.name);
  });
}
