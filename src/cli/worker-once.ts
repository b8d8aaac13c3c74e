import type { Config } from '../config.ts';
import { migrateControlPlane } from '../db/migrate.ts';
import type { JobCeilings } from '../jobs/ceilings.ts';
import type { MetricsSnapshot } from '../jobs/metrics.ts';
import type { TaskRegistry } from '../jobs/registry.ts';
import type { WorkerFilter } from '../jobs/tenant-gate.ts';
import { createLogger } from '../logger.ts';
import { openRuntime } from '../runtime.ts';
import { WorkerService } from '../worker/runner.ts';

/** `tenantry worker --once`: drains the ready jobs this worker may take, then returns its counts. */
export async function openWorkerOnce(
  config: Config,
  worker: { concurrency: number; registry: TaskRegistry; filter: WorkerFilter; ceilings?: JobCeilings },
  migrate: boolean,
): Promise<MetricsSnapshot> {
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger, { attach: true });
  try {
    if (migrate) await migrateControlPlane(runtime.db, runtime.pool);
    const service = await WorkerService.create({
      config,
      pool: runtime.pool,
      db: runtime.db,
      connectionString: runtime.connectionString,
      logger,
      registry: worker.registry,
      concurrency: worker.concurrency,
      crontabFile: undefined,
      filter: worker.filter,
      ceilings: worker.ceilings,
    });
    await service.runUntilIdle();
    return service.stats();
  } finally {
    await runtime.close();
  }
}
