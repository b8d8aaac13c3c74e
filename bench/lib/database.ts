import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, createPool, type Db } from '../../src/db/database.ts';
import { migrateControlPlane } from '../../src/db/migrate.ts';

export interface BenchDatabase {
  url: string;
  pool: pg.Pool;
  db: Db;
  drop(): Promise<void>;
}

/** A migrated throwaway database on the server of DATABASE_URL (default: the local one). */
export async function benchDatabase(poolSize = 20): Promise<BenchDatabase> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `tenantry_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: poolSize });
  const db = createDb(pool);
  await migrateControlPlane(db, pool);
  return {
    url: url.toString(),
    pool,
    db,
    async drop() {
      await db.destroy();
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    },
  };
}
