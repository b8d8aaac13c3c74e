import { type AdminKey, resolveAdminKey } from '../admin-key.ts';
import { cacheHealth, createCacheStore, setDefaultCacheStore } from '../cache/index.ts';
import type { Config } from '../config.ts';
import { createDb, createPool, type Db } from '../db/database.ts';
import { migrateControlPlane } from '../db/migrate.ts';
import { databaseState, NO_WORKERS } from '../health.ts';
import { type App, buildApp } from '../http/app.ts';
import type { JobCeilings } from '../jobs/ceilings.ts';
import { syncPlanLimits } from '../jobs/plan-limits.ts';
import type { TaskRegistry } from '../jobs/registry.ts';
import type { WorkerFilter } from '../jobs/tenant-gate.ts';
import type { Logger } from '../logger.ts';
import { createRedis, redisState } from '../redis.ts';
import type { Runtime } from '../runtime.ts';
import { registry as defaultRegistry } from '../tasks/index.ts';
import { clusterWorkerStats } from '../worker/cluster-stats.ts';
import type { WorkerService } from '../worker/runner.ts';
import { waitForDatabase } from '../worker/wait-for-database.ts';

/**
 * The API's pool, apart from the worker's: its statements are cut at API_STATEMENT_TIMEOUT_MS,
 * which the worker's long tasks (imports, backups) and the migrations must never meet, and a
 * burst of requests cannot take the connections the worker's jobs need, nor the other way round.
 */
function openApiDb(config: Config, runtime: Runtime): Db {
  const timeout = config.apiStatementTimeoutMs;
  return createDb(
    createPool({
      connectionString: runtime.connectionString,
      // API_TENANT_CONCURRENCY keeps one tenant to a few of them.
      max: config.apiPoolSize,
      applicationName: 'tenantry-api',
      idleTimeoutMs: config.databaseIdleTimeoutMs,
      stallMs: config.databaseStallMs,
      settings: timeout > 0 ? { statement_timeout: String(timeout) } : undefined,
    }),
  );
}

export interface ServeOptions {
  api: boolean;
  worker:
    | {
        concurrency: number;
        cron: boolean;
        registry: TaskRegistry;
        filter?: WorkerFilter;
        /** How often an idle worker looks for jobs LISTEN/NOTIFY did not announce (ms). */
        pollInterval?: number | undefined;
        /** Bounds on the tenant jobs this worker runs (`--tries`, `--timeout`). */
        ceilings?: JobCeilings | undefined;
      }
    | undefined;
  migrate: boolean;
}

export interface Service {
  runtime: Runtime;
  app: App | undefined;
  adminKey: AdminKey;
  url: string | undefined;
  /** Settles once the worker runs (at once without one); rejects if it cannot start. */
  workerStarted: Promise<WorkerService | undefined>;
  /** Rejects when the worker gives up (PostgreSQL away past DATABASE_WAIT_MS); never resolves. */
  failed: Promise<never>;
  stop(): Promise<void>;
}

/**
 * Starts the parts of Tenantry a command asks for and returns one idempotent stop() that takes
 * them down in reverse: the API stops accepting requests and finishes in-flight ones, the
 * worker drains, then the pool and the embedded database close.
 *
 * The runtime is opened by the caller (so an embedded PostgreSQL boots while these modules
 * load). The API listens first and the worker starts after it: the first answer does not wait
 * for graphile-worker to load and connect.
 */
export async function serve(
  config: Config,
  logger: Logger,
  options: ServeOptions,
  opening: Promise<Runtime>,
): Promise<Service> {
  const runtime = await opening;
  const redis = config.redisUrl ? createRedis(config.redisUrl) : undefined;
  const cacheStore = createCacheStore(config, { db: runtime.db });
  setDefaultCacheStore(cacheStore);
  let app: App | undefined;
  let apiDb: Db | undefined;
  let worker: Promise<WorkerService | undefined> = Promise.resolve(undefined);
  let failed: Promise<never> = new Promise<never>(() => {});
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await app?.close();
      await apiDb?.destroy();
      await (await worker.catch(() => undefined))?.stop();
      setDefaultCacheStore(undefined);
      await cacheStore.close().catch(() => {});
      redis?.disconnect();
      await runtime.close();
    })();
    return stopping;
  };

  try {
    // A process started before PostgreSQL is ready (a container beside it, a reboot) waits for it.
    await waitForDatabase(runtime.pool, { timeoutMs: config.databaseWaitMs, logger });
    if (options.migrate) {
      const { applied } = await migrateControlPlane(runtime.db, runtime.pool);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    // Plan defaults reach the lanes from whichever process starts first with them (API or worker).
    await syncPlanLimits(runtime.db, config.planScheduling);
    const adminKey = await resolveAdminKey(config);
    if (adminKey.repaired) logger.warn(adminKey.repaired);
    let url: string | undefined;
    if (options.api) {
      const db = openApiDb(config, runtime);
      apiDb = db;
      app = await buildApp({
        db,
        config,
        cacheStore,
        connectionString: runtime.connectionString,
        registry: options.worker?.registry ?? defaultRegistry,
        adminKey: adminKey.key,
        logger,
        health: {
          database: () => databaseState(db),
          redis: () => redisState(redis),
          cache: () => cacheHealth(cacheStore),
          workers: () => clusterWorkerStats(db, config.workerRescueAfterMs).catch(() => NO_WORKERS),
        },
      });
      url = await app.listen({ host: config.host, port: config.port }).catch((err: NodeJS.ErrnoException) => {
        // Named, as a bad setting is: ENOTFOUND (a host name nothing resolves), EADDRINUSE,
        // EADDRNOTAVAIL (an address of no interface here), EACCES (a port below 1024).
        throw new Error(
          `cannot listen on HOST=${config.host} PORT=${config.port}: ${err.code ?? err.message}`,
        );
      });
    }
    const workerOptions = options.worker;
    if (workerOptions) {
      worker = (async () => {
        const { WorkerService } = await import('../worker/runner.ts');
        const created = await WorkerService.create({
          config,
          pool: runtime.pool,
          db: runtime.db,
          connectionString: runtime.connectionString,
          logger,
          registry: workerOptions.registry,
          concurrency: workerOptions.concurrency,
          crontabFile: workerOptions.cron ? config.crontabFile : undefined,
          filter: workerOptions.filter,
          pollInterval: workerOptions.pollInterval,
          ceilings: workerOptions.ceilings,
          services: { cache: cacheStore },
        });
        return created.start();
      })();
      failed = worker.then((started) => started?.failed ?? new Promise<never>(() => {}));
      failed.catch(() => {});
      // Without an API there is nothing to answer first: the command is up once the worker is.
      if (!options.api) await worker;
    }
    return { runtime, app, adminKey, url, workerStarted: worker, failed, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
