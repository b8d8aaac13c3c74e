import { type AdminKey, resolveAdminKey } from '../admin-key.ts';
import { cacheHealth, createCacheStore, setDefaultCacheStore } from '../cache/index.ts';
import type { Config } from '../config.ts';
import { migrateControlPlane } from '../db/migrate.ts';
import { databaseState, NO_WORKERS } from '../health.ts';
import { type App, buildApp } from '../http/app.ts';
import type { TaskRegistry } from '../jobs/registry.ts';
import type { WorkerFilter } from '../jobs/tenant-gate.ts';
import type { Logger } from '../logger.ts';
import { createRedis, redisState } from '../redis.ts';
import { openRuntime, type Runtime } from '../runtime.ts';
import { registry } from '../tasks/index.ts';
import { clusterWorkerStats } from '../worker/cluster-stats.ts';
import { WorkerService } from '../worker/runner.ts';

export interface ServeOptions {
  api: boolean;
  worker: { concurrency: number; cron: boolean; registry: TaskRegistry; filter?: WorkerFilter } | undefined;
  migrate: boolean;
}

export interface Service {
  runtime: Runtime;
  app: App | undefined;
  worker: WorkerService | undefined;
  adminKey: AdminKey;
  url: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the parts of Tenantry a command asks for, in dependency order, and returns one
 * idempotent stop() that takes them down in reverse: the API stops accepting requests and
 * finishes in-flight ones, the worker drains, then the pool and the embedded database close.
 */
export async function serve(config: Config, logger: Logger, options: ServeOptions): Promise<Service> {
  const runtime = await openRuntime(config, logger, options.api && options.worker ? 20 : 10);
  const redis = config.redisUrl ? createRedis(config.redisUrl) : undefined;
  const cacheStore = createCacheStore(config, { db: runtime.db });
  setDefaultCacheStore(cacheStore);
  let app: App | undefined;
  let worker: WorkerService | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await app?.close();
      await worker?.stop();
      setDefaultCacheStore(undefined);
      await cacheStore.close().catch(() => {});
      redis?.disconnect();
      await runtime.close();
    })();
    return stopping;
  };

  try {
    if (options.migrate) {
      const { applied } = await migrateControlPlane(runtime.db, runtime.pool);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    const adminKey = await resolveAdminKey(config);
    if (adminKey.repaired) logger.warn(adminKey.repaired);
    if (options.worker) {
      const created = await WorkerService.create({
        config,
        pool: runtime.pool,
        db: runtime.db,
        connectionString: runtime.connectionString,
        logger,
        registry: options.worker.registry,
        concurrency: options.worker.concurrency,
        crontabFile: options.worker.cron ? config.crontabFile : undefined,
        filter: options.worker.filter,
        services: { cache: cacheStore },
      });
      worker = created;
      await created.start();
    }
    let url: string | undefined;
    if (options.api) {
      app = await buildApp({
        db: runtime.db,
        config,
        cacheStore,
        connectionString: runtime.connectionString,
        registry: options.worker?.registry ?? registry,
        adminKey: adminKey.key,
        logger,
        health: {
          database: () => databaseState(runtime.db),
          redis: () => redisState(redis),
          cache: () => cacheHealth(cacheStore),
          workers: () => clusterWorkerStats(runtime.db, config.workerRescueAfterMs).catch(() => NO_WORKERS),
        },
      });
      url = await app.listen({ host: config.host, port: config.port });
    }
    return { runtime, app, worker, adminKey, url, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
