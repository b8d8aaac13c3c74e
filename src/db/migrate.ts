import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import { type Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type pg from 'pg';
import type { Db } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
export const CONTROL_SCHEMA = 'tenantry';
const MIGRATION_TABLE = 'schema_migrations';
/** Serializes every migration step across processes that start at the same time. */
const MIGRATION_LOCK_KEY = 7_345_001;

const FILE_PATTERN = /^\d{4}_[a-z0-9_]+\.sql$/;

/**
 * Loads `NNNN_name.sql` files in name order. Each file runs as one statement batch inside
 * the migration's transaction. `schema` sets the search_path for that transaction so a
 * tenant migration can name its tables unqualified.
 */
export class SqlFileMigrationProvider implements MigrationProvider {
  private readonly dir: string;
  private readonly schema: string;

  constructor(dir: string, schema: string) {
    this.dir = dir;
    this.schema = schema;
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((f) => f.endsWith('.sql')).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      if (!FILE_PATTERN.test(file)) {
        throw new Error(`migration file ${file} must be named NNNN_lowercase_name.sql`);
      }
      const text = await readFile(path.join(this.dir, file), 'utf8');
      migrations[file.slice(0, -4)] = {
        up: async (db: Kysely<unknown>) => {
          await sql`SELECT set_config('search_path', ${this.schema}, true)`.execute(db);
          await sql.raw(text).execute(db);
          // Inside a caller's transaction the local setting would outlive this migration.
          await sql`RESET search_path`.execute(db);
        },
      };
    }
    return migrations;
  }
}

export interface MigrationReport {
  applied: string[];
}

/**
 * Brings one schema up to date with the `.sql` files in `dir`; safe to call repeatedly.
 * `inTransaction`: `db` is bound to an open transaction (see withConnectionTransaction),
 * which then makes the whole run atomic and holds the migration lock until it commits.
 */
export async function migrateSchema<DB>(
  db: Kysely<DB>,
  dir: string,
  schema: string,
  { inTransaction = false } = {},
): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: db as Kysely<unknown>,
    provider: new SqlFileMigrationProvider(dir, schema),
    migrationTableSchema: schema,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
    disableTransactions: inTransaction,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new Error(`migration ${failed?.migrationName ?? '(setup)'} of schema ${schema} failed: ${cause}`, {
      cause: error,
    });
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/**
 * Runs `fn` while holding the cluster-wide migration lock on one dedicated connection,
 * so two processes starting together apply each migration exactly once.
 */
export async function withMigrationLock<T>(db: Db, fn: (conn: Kysely<unknown>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      return await fn(conn as unknown as Kysely<unknown>);
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

/** Control-plane schema first, then graphile-worker's own schema. */
export async function migrateControlPlane(db: Db, pool: pg.Pool): Promise<MigrationReport> {
  return withMigrationLock(db, async (conn) => {
    const report = await migrateSchema(conn, MIGRATIONS_DIR, CONTROL_SCHEMA);
    await runWorkerMigrations({ pgPool: pool, logger: silentWorkerLogger });
    return report;
  });
}

/** graphile-worker's migrate logs at info for every run; we report through our own logger. */
const silentWorkerLogger = new Logger(() => () => {});
