import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Config } from './config.ts';
import { createDb, createPool, type Db } from './db/database.ts';
import { attachEmbedded, EmbeddedPostgres } from './db/embedded.ts';
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

export interface RuntimeOptions {
  poolSize?: number;
  /**
   * Without DATABASE_URL, use the embedded server another tenantry process runs on DATA_DIR
   * when there is one (operator commands, extra workers), rather than starting our own.
   */
  attach?: boolean;
  /**
   * Without DATABASE_URL, refuse to initialise a new embedded cluster: an operator command run
   * on a DATA_DIR with none (a typo, or before the first start) made an empty one there and
   * then failed on its missing tables, with nothing said about the directory.
   */
  existingOnly?: boolean;
}

export async function openRuntime(
  config: Config,
  logger: Logger,
  { poolSize = 10, attach = true, existingOnly = false }: RuntimeOptions = {},
): Promise<Runtime> {
  let embedded: EmbeddedPostgres | undefined;
  const dataDir = path.join(config.dataDir, 'postgres');
  let connectionString = config.databaseUrl ?? (attach ? await attachEmbedded(dataDir) : undefined);
  if (connectionString && !config.databaseUrl)
    logger.debug({ dataDir }, 'using the running embedded PostgreSQL');
  if (!connectionString && existingOnly && !existsSync(path.join(dataDir, 'PG_VERSION'))) {
    throw new Error(
      `DATA_DIR ${config.dataDir} holds no Tenantry database: start Tenantry there first (tenantry start), ` +
        'or set DATABASE_URL',
    );
  }
  if (!connectionString) {
    const pgLog = logger.child({ component: 'embedded-postgres' });
    embedded = await EmbeddedPostgres.start({
      dataDir,
      log: (line) => pgLog.debug(line),
      warn: (line) => pgLog.warn(line),
    });
    connectionString = embedded.connectionString;
    logger.info({ port: embedded.port, dataDir: config.dataDir }, 'embedded PostgreSQL started');
  }
  const pool = createPool({
    connectionString,
    max: poolSize,
    idleTimeoutMs: config.databaseIdleTimeoutMs,
    stallMs: config.databaseStallMs,
  });
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
