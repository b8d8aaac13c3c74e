import { setTimeout as sleep } from 'node:timers/promises';
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { isConnectionError } from '../db/errors.ts';
import { Listener } from '../db/listener.ts';
import { RunningJobs } from '../jobs/cancellation.ts';
import { syncPlanLimits } from '../jobs/plan-limits.ts';
import { TenantGate, type WorkerFilter } from '../jobs/tenant-gate.ts';
import type { Logger } from '../logger.ts';
import { graphileLogger } from './graphile-logger.ts';

export interface WorkerConnections {
  listener: Listener;
  gate: TenantGate;
  running: RunningJobs;
  workerUtils: WorkerUtils;
}

/**
 * The steps of a worker's start that talk to the server, once it has answered: plan limits
 * synced, the listener and what listens on it, graphile-worker's utilities. The server may go
 * away in the middle of them (a crash a second after a restart): what was made is closed and
 * they are made again once it answers, for up to DATABASE_WAIT_MS, as a start waits for a
 * server that is not up yet. Before, the process exited (code 1) and only a supervisor brought
 * it back. Other errors end the start as before.
 */
export async function connectWorker(options: {
  config: Config;
  pool: pg.Pool;
  db: Db;
  connectionString: string;
  logger: Logger;
  filter?: WorkerFilter;
}): Promise<WorkerConnections> {
  const { config, pool, db, logger } = options;
  const deadline = Date.now() + config.databaseWaitMs;
  let delay = 100;
  for (;;) {
    const listener = new Listener(options.connectionString, logger);
    try {
      await syncPlanLimits(db, config.planScheduling);
      await listener.start();
      const gate = new TenantGate(db, options.filter ?? {}, logger);
      await gate.start(listener);
      const running = new RunningJobs();
      await running.listen(listener);
      const workerUtils = await makeWorkerUtils({ pgPool: pool, logger: graphileLogger(logger) });
      return { listener, gate, running, workerUtils };
    } catch (err) {
      await listener.close().catch(() => {});
      if (!isConnectionError(err) || Date.now() + delay > deadline) throw err;
      logger.warn(
        { err },
        'PostgreSQL went away while the worker was starting; starting again once it answers',
      );
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
