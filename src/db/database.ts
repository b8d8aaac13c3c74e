import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { TenantryDatabase } from './schema.ts';
import { StallWatch } from './stall-watch.ts';

export type Db = Kysely<TenantryDatabase>;
/** Repository functions take either the shared handle or a caller's transaction. */
export type DbOrTrx = Db | Transaction<TenantryDatabase>;

// bigint columns (identity ids, counts) come back as strings rather than losing precision.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

export interface DatabaseOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
  /**
   * Session settings for every connection, set as it opens (before any query of ours). Not
   * libpq's `options`: an `options` in DATABASE_URL replaced those, and PgBouncer refuses them.
   */
  settings?: Record<string, string>;
  /** How long an idle connection stays open (DATABASE_IDLE_TIMEOUT_MS; node-postgres' 10 s without it). */
  idleTimeoutMs?: number;
  /** A query hearing nothing for this long is checked for a lost connection (0: never). */
  stallMs?: number;
}

export function createPool({
  connectionString,
  max = 10,
  applicationName = 'tenantry',
  settings,
  idleTimeoutMs = 10_000,
  stallMs = 10_000,
}: DatabaseOptions): pg.Pool {
  const clientConfig: pg.ClientConfig = {
    connectionString,
    application_name: applicationName,
    connectionTimeoutMillis: 5000,
    // An idle connection kept for minutes must not be dropped silently by a NAT or firewall on
    // the way (some forget a quiet flow after ~5 minutes): TCP keepalives keep the flow known.
    keepAlive: true,
    keepAliveInitialDelayMillis: 60_000,
  };
  const watch = stallMs > 0 ? new StallWatch({ clientConfig, stallMs }) : undefined;
  const pool = new pg.Pool({
    ...clientConfig,
    max,
    idleTimeoutMillis: idleTimeoutMs,
    // Without it a query on a connection whose server vanished (a blackhole: no reset, no answer)
    // waits until TCP gives up, ~15 minutes, and so does every request or job behind it.
    ...(watch ? { Client: watch.clientClass() } : {}),
    ...(watch || settings
      ? {
          onConnect: async (client: pg.ClientBase) => {
            await watch?.identify(client);
            for (const [name, value] of Object.entries(settings ?? {}))
              await client.query('SELECT set_config($1, $2, false)', [name, value]);
          },
        }
      : {}),
  });
  // An idle client losing its server (restart, failover) must not crash the process;
  // the next checkout gets a fresh connection.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<TenantryDatabase>({ dialect: new PostgresDialect({ pool }) });
}
