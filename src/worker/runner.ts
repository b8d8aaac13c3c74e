import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { type Runner, run, type TaskList, type WorkerEvents, type WorkerPool } from 'graphile-worker';
import type pg from 'pg';
import type { WorkerStats } from '../health.ts';
import type { Logger } from '../logger.ts';
import { graphileLogger } from './graphile-logger.ts';

export interface WorkerOptions {
  pool: pg.Pool;
  logger: Logger;
  taskList: TaskList;
  concurrency: number;
  /** graphile-worker crontab file; undefined runs without cron. */
  crontabFile: string | undefined;
  /** Running jobs get this long to finish on stop; then they are failed and retried later. */
  shutdownTimeoutMs: number;
  pollInterval?: number;
}

/**
 * One graphile-worker runner with Tenantry's shutdown contract: stop() takes no new
 * jobs, lets running ones finish for up to `shutdownTimeoutMs`, then fails the rest
 * (graphile-worker reschedules them), so no job is lost. stop() is idempotent.
 */
export class WorkerService {
  private stopping: Promise<void> | undefined;
  private readonly counters = { processed: 0, failed: 0 };

  private constructor(
    private readonly runner: Runner,
    private readonly workerPool: WorkerPool | undefined,
    private readonly options: WorkerOptions,
  ) {
    runner.events.on('job:success', () => {
      this.counters.processed += 1;
    });
    runner.events.on('job:error', () => {
      this.counters.failed += 1;
    });
  }

  static async start(options: WorkerOptions): Promise<WorkerService> {
    const crontabFile =
      options.crontabFile && existsSync(options.crontabFile) ? options.crontabFile : undefined;
    // The pool is only reachable through its creation event; we need it to force a stop.
    const events: WorkerEvents = new EventEmitter();
    let workerPool: WorkerPool | undefined;
    events.on('pool:create', ({ workerPool: created }) => {
      workerPool = created;
    });
    const runner = await run({
      events,
      pgPool: options.pool,
      taskList: options.taskList,
      concurrency: options.concurrency,
      ...(crontabFile ? { crontabFile } : { crontab: '' }),
      noHandleSignals: true,
      pollInterval: options.pollInterval ?? 2000,
      logger: graphileLogger(options.logger),
      // Tasks see their AbortSignal fire when the shutdown grace period is over.
      gracefulShutdownAbortTimeout: options.shutdownTimeoutMs,
      preset: {
        worker: {
          // Batching (even with no delay) is what makes shutdown wait for the final
          // complete/fail writes: unbatched, graphile-worker 0.17 fires them and forgets.
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      },
    });
    return new WorkerService(runner, workerPool, options);
  }

  stats(): WorkerStats {
    return {
      tasks_processed: this.counters.processed,
      tasks_failed: this.counters.failed,
      active_workers: this.stopping ? 0 : this.options.concurrency,
    };
  }

  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    const { logger, shutdownTimeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs);
    });
    const graceful = this.runner.stop().then(
      () => 'done' as const,
      (err: unknown) => {
        logger.warn({ err }, 'worker stopped with errors');
        return 'done' as const;
      },
    );
    const outcome = await Promise.race([graceful, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      logger.warn({ shutdownTimeoutMs }, 'running jobs did not finish in time; failing them for retry');
      // Fails the running jobs with this message; graphile-worker retries them with backoff.
      try {
        await this.workerPool?.forcefulShutdown(
          `worker shut down after ${shutdownTimeoutMs} ms grace period`,
        );
      } catch (err) {
        logger.warn({ err }, 'forced stop failed');
      }
    }
  }
}
