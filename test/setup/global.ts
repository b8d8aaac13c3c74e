import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb, createPool } from '../../src/db/database.ts';
import { migrateControlPlane } from '../../src/db/migrate.ts';
import { acquirePostgres, acquireRedis } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Maintenance-database URL of the test server; test files create their databases through it. */
    pgAdminUrl: string;
    /** The migrated template every test file clones. */
    templateDatabase: string;
    /** Prefix shared by every database this run creates, so teardown finds them all. */
    databasePrefix: string;
    /** Empty when no Redis is available; Redis suites skip then. */
    redisUrl: string;
    /** Why suites that run pg_dump/pg_restore must skip; empty when the tools fit the server. */
    pgToolsMissing: string;
  }
}

/** pg_dump and pg_restore must exist and be at least the server's major version. */
function pgToolsProblem(serverMajor: number): string {
  for (const tool of ['pg_dump', 'pg_restore']) {
    let output: string;
    try {
      output = execFileSync(tool, ['--version'], { encoding: 'utf8' });
    } catch {
      return `${tool} is not on PATH`;
    }
    const major = Number(/(\d+)(?:\.\d+)?/.exec(output)?.[1]);
    if (!(major >= serverMajor)) return `${tool} ${major} is older than the PostgreSQL ${serverMajor} server`;
  }
  return '';
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const postgres = await acquirePostgres();
  const redis = await acquireRedis();
  const prefix = `tenantry_test_${randomBytes(4).toString('hex')}`;
  const template = `${prefix}_template`;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(template)}`);
  const pool = createPool({ connectionString: withDatabase(postgres.url, template), max: 2 });
  const db = createDb(pool);
  await migrateControlPlane(db, pool);
  await db.destroy();

  console.log(`[tests] PostgreSQL from ${postgres.source}; template ${template}`);
  console.log(
    redis
      ? `[tests] Redis from ${redis.source}`
      : '[tests] Redis suites SKIPPED: REDIS_URL is unset and no Docker engine is reachable',
  );
  project.provide('pgAdminUrl', postgres.url);
  project.provide('templateDatabase', template);
  project.provide('databasePrefix', prefix);
  project.provide('redisUrl', redis?.url ?? '');
  const { rows } = await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  const toolsMissing = pgToolsProblem(Math.floor(Number(rows[0]?.v) / 10_000));
  if (toolsMissing) console.log(`[tests] backup/restore suites SKIPPED: ${toolsMissing}`);
  project.provide('pgToolsMissing', toolsMissing);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(datname)} WITH (FORCE)`);
    }
    await admin.end();
    await redis?.release();
    await postgres.release();
  };
}
