import { setTimeout as sleep } from 'node:timers/promises';
import { type Runner, type RunnerOptions, run, type WorkerPool } from 'graphile-worker';
import type pg from 'pg';
import type { Db } from '../db/database.ts';
import { settledWithin } from '../deadline.ts';
import type { RunningJobs } from '../jobs/cancellation.ts';
import { WorkerShutdownError } from '../jobs/errors.ts';
import type { JobLogWriter } from '../jobs/log-writer.ts';
import type { Logger } from '../logger.ts';
import type { LoopHealth } from './loop-health.ts';
import { settleOrphanedLogs } from './orphans.ts';
import { releasePoolJobs } from './release.ts';
import { waitForDatabase } from './wait-for-database.ts';

export interface SupervisorOptions {
  graphileOptions: RunnerOptions;
  /** The pool graphile-worker creates is handed over through its `pool:create` event. */
  poolRef: { current: WorkerPool | undefined };
  pool: pg.Pool;
  db: Db;
  logger: Logger;
  writer: JobLogWriter;
  running: RunningJobs;
  health: LoopHealth;
  /** How long to wait for PostgreSQL to answer, at start and after losing it (DATABASE_WAIT_MS). */
  databaseWaitMs: number;
  /** A loop unhealthy this long is restarted. */
  stallMs: number;
  /** Longest wait for the handlers of a dead pool to end before they are aborted. */
  handlerGraceMs: number;
  onPoolStarted(workerPool: WorkerPool): Promise<void>;
  onPoolStopped(poolId: string): Promise<void>;
}

type Failure = 'pool ended' | 'loop stalled' | 'shutdown hung';

/** How long a pool that is shutting down by itself may take to end once our handlers are done. */
const SELF_SHUTDOWN_GRACE_MS = 2_000;

/**
 * How long a recovery waits for graphile-worker to stop the failed pool. Its graceful stop can
 * hang for good in 0.18 (after "Deactivation failed: Timed out" during a network blackhole, the
 * forceful stop "initiated whilst gracefulShutdown was still executing" never ended): the worker
 * then ran nothing until restarted, its /health still green. The handlers are still waited for
 * (waitForHandlers): a job must not run twice.
 */
const POOL_STOP_WAIT_MS = 30_000;

/**
 * Keeps a graphile-worker pool running through database outages. graphile-worker's pool dies
 * when it cannot record a batch of completions (and its runner promise still resolves), and a
 * process whose pool died used to either exit 0 (nothing left holding the event loop) or live
 * on as a zombie. Here the death, or a loop that stops making progress, is noticed; the old
 * pool's handlers are let finish, PostgreSQL is waited for with capped backoff, the job-log
 * changes kept meanwhile are written, the old pool's jobs are released (finished ones
 * completed, unfinished ones retried) and a new pool starts. Only when the database stays
 * away past `databaseWaitMs` does `start()` or `failed` reject, so the process exits non-zero.
 */
export class PoolSupervisor {
  private runner: Runner | undefined;
  private stopping = false;
  private readonly aborter = new AbortController();
  private readonly options: SupervisorOptions;
  /** Rejects when the worker gives up; never resolves. */
  readonly failed: Promise<never>;
  private fail: (err: unknown) => void = () => {};

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => {});
  }

  get currentRunner(): Runner | undefined {
    return this.runner;
  }

  get workerPool(): WorkerPool | undefined {
    return this.options.poolRef.current;
  }

  /** Resolves once a pool runs; rejects when PostgreSQL does not answer within the limit. */
  async start(): Promise<void> {
    await this.launch();
    void this.supervise();
  }

  /** Stops supervising (the caller then stops the current runner gracefully). */
  release(): void {
    this.stopping = true;
    this.aborter.abort();
  }

  private async launch(): Promise<void> {
    const { pool, logger, databaseWaitMs } = this.options;
    for (;;) {
      await waitForDatabase(pool, { timeoutMs: databaseWaitMs, logger, signal: this.aborter.signal });
      try {
        this.options.health.reset();
        this.runner = await run(this.options.graphileOptions);
        // Asked to stop while it started: it must not outlive the stop.
        if (this.stopping) {
          await this.runner.stop().catch(() => {});
          return;
        }
        const workerPool = this.options.poolRef.current;
        if (workerPool) await this.options.onPoolStarted(workerPool);
        return;
      } catch (err) {
        // The server went away again between the probe and graphile-worker's own start.
        logger.warn({ err }, 'could not start the worker pool; retrying');
        await this.runner?.stop().catch(() => {});
        await sleep(500, undefined, { signal: this.aborter.signal });
      }
    }
  }

  private async supervise(): Promise<void> {
    try {
      while (!this.stopping) {
        const failure = await this.nextFailure();
        if (this.stopping) return;
        await this.recover(failure);
      }
    } catch (err) {
      if (this.stopping) return;
      this.options.logger.fatal({ err }, 'the worker cannot recover; giving up');
      this.fail(err);
    }
  }

  /** Resolves when the pool ends without being asked to, its loop stalls, or its own shutdown hangs. */
  private nextFailure(): Promise<Failure> {
    const workerPool = this.options.poolRef.current;
    const events = this.options.graphileOptions.events;
    return new Promise<Failure>((resolve) => {
      // graphile-worker shuts its pool down by itself when it cannot record a batch of
      // completions or failures ('pool:fatalError'): it waits for the running jobs, then ends
      // the pool. In 0.18 that end can hang: once a batcher has failed, every later batch
      // decrements its pending count once more, and its release() then never resolves. Such a
      // pool takes no job and never ends; once our handlers are done it is ended forcefully,
      // rather than after stallMs as a stalled loop would be.
      let fatal = false;
      let idleSince: number | undefined;
      const onFatal = ({ workerPool: failed }: { workerPool: WorkerPool }) => {
        if (failed === workerPool) fatal = true;
      };
      events?.on('pool:fatalError', onFatal);
      const watchdog = setInterval(() => {
        if (this.stopping) return done('pool ended');
        if (fatal) {
          idleSince = this.options.running.size > 0 ? undefined : (idleSince ?? Date.now());
          if (idleSince !== undefined && Date.now() - idleSince >= SELF_SHUTDOWN_GRACE_MS) {
            return done('shutdown hung');
          }
        }
        if (this.options.health.quietFor() > this.options.stallMs && !this.options.health.healthy()) {
          done('loop stalled');
        }
      }, 1000);
      const done = (failure: Failure) => {
        clearInterval(watchdog);
        events?.off('pool:fatalError', onFatal);
        resolve(failure);
      };
      workerPool?.promise.then(
        () => done('pool ended'),
        () => done('pool ended'),
      );
      if (!workerPool) done('pool ended');
    });
  }

  private async recover(failure: Failure): Promise<void> {
    const { logger, db, writer } = this.options;
    const old = this.options.poolRef.current;
    logger.error({ pool: old?.id, failure }, 'the worker pool stopped working; recovering');
    const stopped =
      (failure === 'pool ended' ||
        (await settledWithin(
          Promise.resolve(old?.forcefulShutdown(`worker ${failure}`)),
          POOL_STOP_WAIT_MS,
        ))) &&
      (await settledWithin(this.runner?.stop() ?? Promise.resolve(), POOL_STOP_WAIT_MS));
    if (!stopped) {
      logger.warn(
        { pool: old?.id, waitedMs: POOL_STOP_WAIT_MS },
        'the failed pool did not stop in time; going on without it (its jobs are released below)',
      );
    }
    await this.waitForHandlers();
    if (old) await this.options.onPoolStopped(old.id);
    await waitForDatabase(this.options.pool, {
      timeoutMs: this.options.databaseWaitMs,
      logger,
      signal: this.aborter.signal,
    });
    // The changes kept through the outage first: a finished job's log must say so before
    // its job is released, or it would run again.
    while (!(await writer.drain(5_000)) && !this.stopping) await sleep(500);
    if (old) {
      const released = await db.transaction().execute(async (trx) => {
        const result = await releasePoolJobs(trx, [old.id]);
        await trx.deleteFrom('tenantry.workers').where('id', '=', old.id).execute();
        return { ...result, orphans: (await settleOrphanedLogs(trx)).length };
      });
      logger.warn({ pool: old.id, ...released }, "released the previous pool's jobs");
    }
    if (this.stopping) return;
    await this.launch();
    logger.info({ pool: this.options.poolRef.current?.id }, 'worker pool running again');
  }

  /** The dead pool's handlers finish (or are aborted after the grace time): none may run on. */
  private async waitForHandlers(): Promise<void> {
    const until = Date.now() + this.options.handlerGraceMs;
    while (this.options.running.size > 0 && Date.now() < until) await sleep(100);
    if (this.options.running.size > 0) this.options.running.abortAll(new WorkerShutdownError());
    while (this.options.running.size > 0) await sleep(100);
  }
}
