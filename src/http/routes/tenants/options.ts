import type { CacheStore } from '../../../cache/contract.ts';
import { type Config, parseConfig } from '../../../config.ts';
import type { Db } from '../../../db/database.ts';

/**
 * What the tenant routes use. `config` and `cacheStore` are optional so the plugin also works
 * when registered with the database alone; without them the plan limits are the defaults
 * and the health report leaves cache figures out.
 */
export interface TenantRouteOptions {
  db: Db;
  config?: Config | undefined;
  cacheStore?: CacheStore | undefined;
}

export function planConfig(options: TenantRouteOptions): Pick<Config, 'planLimits'> {
  return options.config ?? parseConfig({});
}
