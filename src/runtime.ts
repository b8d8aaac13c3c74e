import path from 'node:path';
import type pg from 'pg';
import type { Config } from './config.ts';
import { createDb, createPool, type Db } from './db/database.ts';
import { EmbeddedPostgres } from './db/embedded.ts';
import type { Logger } from './logger.ts';

/** The database side of a process: a pool and kysely handle, and the embedded server if we started one. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly pool: pg.Pool;
  readonly db: Db;
  /** For connections outside the pool (LISTEN, pg_dump). */
  readonly connectionString: string;
  readonly embedded: EmbeddedPostgres | undefined;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger, poolSize = 10): Promise<Runtime> {
  let embedded: EmbeddedPostgres | undefined;
  let connectionString = config.databaseUrl;
  if (!connectionString) {
    const pgLog = logger.child({ component: 'embedded-postgres' });
    embedded = await EmbeddedPostgres.start({
      dataDir: path.join(config.dataDir, 'postgres'),
      log: (line) => pgLog.debug(line),
    });
    connectionString = embedded.connectionString;
    logger.info({ port: embedded.port, dataDir: config.dataDir }, 'embedded PostgreSQL started');
  }
  const pool = createPool({ connectionString, max: poolSize });
  const db = createDb(pool);
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    pool,
    db,
    connectionString,
    embedded,
    close() {
      closing ??= (async () => {
        await db.destroy();
        await embedded?.stop();
      })();
      return closing;
    },
  };
}
