import type { CacheStore } from '../../cache/contract.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import type { TaskRegistry } from '../../jobs/registry.ts';
import type { StreamAccess } from '../stream-access.ts';

/** What route plugins get from the app: the process's shared handles. */
export interface RouteDeps {
  db: Db;
  config: Config;
  registry: TaskRegistry;
  cacheStore: CacheStore;
  /** For connections outside the pool (LISTEN for live job events, pg_dump). */
  connectionString: string;
}

/** Route plugins that serve event streams also get the guard that ends them when access goes. */
export interface StreamRouteDeps extends RouteDeps {
  streams: StreamAccess;
}
