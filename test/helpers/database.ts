import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, createPool, type Db } from '../../src/db/database.ts';
import { withDatabase } from '../setup/global.ts';

export interface TestDatabase {
  url: string;
  name: string;
  pool: pg.Pool;
  db: Db;
  /** Closes the pool; the database itself is dropped at the end of the run. */
  close(): Promise<void>;
}

async function createDatabase(template: string | undefined): Promise<string> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  const name = `${inject('databasePrefix')}_${randomBytes(4).toString('hex')}`;
  try {
    const from = template ? ` TEMPLATE ${admin.escapeIdentifier(template)}` : '';
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}${from}`);
  } finally {
    await admin.end();
  }
  return withDatabase(inject('pgAdminUrl'), name);
}

/** A migrated database of this test file's own, cloned from the run's template. */
export async function cloneTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const url = await createDatabase(options.empty ? undefined : inject('templateDatabase'));
  const pool = createPool({ connectionString: url, max: 5 });
  const db = createDb(pool);
  return {
    url,
    name: new URL(url).pathname.slice(1),
    pool,
    db,
    close: () => db.destroy(),
  };
}

/** Runs one statement as the server's administrator (database settings, ending sessions). */
export async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export type { Db };
