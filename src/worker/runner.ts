import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import {
  makeWorkerUtils,
  type Runner,
  type RunnerOptions,
  run,
  runOnce,
  type TaskList,
  type WorkerEvents,
  type WorkerPool,
} from 'graphile-worker';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { CacheStore } from '../cache/contract.ts';
import { PostgresStore } from '../cache/postgres-store.ts';
import type { Config } from '../config.ts';
import { createPool, type Db } from '../db/database.ts';
import { Listener } from '../db/listener.ts';
import type { TenantDatabase } from '../db/tenant-database.ts';
import type { Resolver } from '../job-logs/callback-delivery.ts';
import { RunningJobs } from '../jobs/cancellation.ts';
import { toGraphileTask } from '../jobs/execute.ts';
import { JobLogWriter } from '../jobs/log-writer.ts';
import { JobMetrics } from '../jobs/metrics.ts';
import type { TaskRegistry } from '../jobs/registry.ts';
import type { TaskServices } from '../jobs/services.ts';
import { TenantGate, type WorkerFilter } from '../jobs/tenant-gate.ts';
import type { Logger } from '../logger.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createNotificationRouter, type NotificationRouter } from '../notifications/router.ts';
import { graphileLogger } from './graphile-logger.ts';
import { Heartbeat } from './heartbeat.ts';
import { LaneWaker } from './lane-waker.ts';

export interface WorkerOptions {
  config: Config;
  pool: pg.Pool;
  db: Db;
  connectionString: string;
  logger: Logger;
  registry: TaskRegistry;
  concurrency: number;
  /** graphile-worker crontab file; undefined runs without cron. */
  crontabFile: string | undefined;
  filter?: WorkerFilter;
  pollInterval?: number;
  /** Replace the defaults built from config (SMTP or JSON mailer, logging notification providers). */
  services?: { mailer?: Mailer; notifications?: NotificationRouter; cache?: CacheStore; resolver?: Resolver };
}

/**
 * A graphile-worker runner with Tenantry's job semantics (see jobs/execute.ts) and shutdown
 * contract: stop() takes no new jobs, lets running ones finish for up to SHUTDOWN_TIMEOUT_MS,
 * then fails the rest back to the queue (retried later), so no job is lost. Idempotent.
 */
export class WorkerService {
  private stopping: Promise<void> | undefined;
  private heartbeat: Heartbeat | undefined;

  private readonly options: WorkerOptions;
  private readonly listener: Listener;
  private readonly writer: JobLogWriter;
  private readonly metrics: JobMetrics;
  private readonly services: TaskServices;
  private readonly graphileOptions: RunnerOptions;
  private readonly poolRef: { current: WorkerPool | undefined };
  private readonly closeOwned: () => Promise<void>;

  private constructor(
    options: WorkerOptions,
    listener: Listener,
    writer: JobLogWriter,
    metrics: JobMetrics,
    services: TaskServices,
    graphileOptions: RunnerOptions,
    poolRef: { current: WorkerPool | undefined },
    closeOwned: () => Promise<void>,
  ) {
    this.options = options;
    this.listener = listener;
    this.writer = writer;
    this.metrics = metrics;
    this.services = services;
    this.graphileOptions = graphileOptions;
    this.poolRef = poolRef;
    this.closeOwned = closeOwned;
  }

  private runner: Runner | undefined;

  /** Builds everything a worker needs; `start()` or `runUntilIdle()` then runs it. */
  static async create(options: WorkerOptions): Promise<WorkerService> {
    const { config, db, pool, logger } = options;
    const filter = options.filter ?? {};
    const listener = new Listener(options.connectionString, logger);
    await listener.start();
    const gate = new TenantGate(db, filter, logger);
    await gate.start(listener);
    const running = new RunningJobs();
    await running.listen(listener);
    const writerPool = createPool({
      connectionString: options.connectionString,
      max: 2,
      applicationName: 'tenantry-job-logs',
      settings: { synchronous_commit: 'off' },
    });
    const writer = new JobLogWriter(writerPool, logger);
    const metrics = new JobMetrics();
    const services: TaskServices = {
      config,
      mailer:
        options.services?.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }, logger),
      notifications: options.services?.notifications ?? createNotificationRouter(logger),
      workerUtils: await makeWorkerUtils({ pgPool: pool, logger: graphileLogger(logger) }),
      cache: options.services?.cache ?? new PostgresStore(db),
      connectionString: options.connectionString,
      resolver: options.services?.resolver,
    };
    // Shares the pool; destroying it must not end the pool.
    const tenantDb = new Kysely<TenantDatabase>({
      dialect: new PostgresDialect({
        pool: { connect: () => pool.connect(), end: async () => {}, options: {} },
      }),
    });
    // The pool is only reachable through its creation event; we need its id (the lock owner of
    // our jobs) and a way to force a stop.
    const events: WorkerEvents = new EventEmitter();
    const poolRef: { current: WorkerPool | undefined } = { current: undefined };
    events.on('pool:create', ({ workerPool }) => {
      poolRef.current = workerPool;
    });
    const waker = new LaneWaker(events, (count) => {
      try {
        poolRef.current?.nudge(count);
      } catch {
        // The pool is shutting down; nothing more to fetch.
      }
    });
    const workerId = () => poolRef.current?.id;
    const deps = { db, tenantDb, logger, writer, running, gate, metrics, services, workerId };
    const taskList: TaskList = Object.fromEntries(
      options.registry.all().map((definition) => [definition.name, toGraphileTask(definition, deps)]),
    );
    const crontabFile =
      options.crontabFile && existsSync(options.crontabFile) ? options.crontabFile : undefined;
    const graphileOptions: RunnerOptions = {
      pgPool: pool,
      taskList,
      events,
      concurrency: options.concurrency,
      // Without a file, graphile-worker would read ./crontab from the working directory.
      ...(crontabFile ? { crontabFile } : { parsedCronItems: [] }),
      noHandleSignals: true,
      pollInterval: options.pollInterval ?? 2000,
      logger: graphileLogger(logger),
      forbiddenFlags: gate.forbiddenFlags,
      // Tasks see their AbortSignal fire when the shutdown grace period is over.
      gracefulShutdownAbortTimeout: config.shutdownTimeoutMs,
      preset: {
        worker: {
          // Batching (even with no delay) is what makes shutdown wait for the final
          // complete/fail writes: unbatched, graphile-worker 0.17 fires them and forgets.
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      },
    };
    return new WorkerService(
      options,
      listener,
      writer,
      metrics,
      services,
      graphileOptions,
      poolRef,
      async () => {
        waker.stop();
        await tenantDb.destroy();
        await writerPool.end();
      },
    );
  }

  private get workerPool(): WorkerPool | undefined {
    return this.poolRef.current;
  }

  async start(): Promise<this> {
    this.runner = await run(this.graphileOptions);
    if (this.workerPool) {
      const { config, db, logger, concurrency } = this.options;
      this.heartbeat = new Heartbeat({
        db,
        logger,
        workerId: this.workerPool.id,
        concurrency,
        filter: this.options.filter ?? {},
        metrics: this.metrics,
        rescueAfterMs: config.workerRescueAfterMs,
      });
      await this.heartbeat.start();
    }
    return this;
  }

  /** `--once`: runs jobs until none is ready, then releases everything. */
  async runUntilIdle(): Promise<void> {
    try {
      await runOnce(this.graphileOptions);
    } finally {
      await this.release();
    }
  }

  stats() {
    return this.metrics.snapshot();
  }

  stop(): Promise<void> {
    this.stopping ??= this.drain().finally(() => this.release());
    return this.stopping;
  }

  private async drain(): Promise<void> {
    if (!this.runner) return;
    const { logger, config } = this.options;
    const grace = config.shutdownTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), grace);
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
      logger.warn(
        { shutdownTimeoutMs: grace },
        'running jobs did not finish in time; failing them for retry',
      );
      try {
        // Fails the running jobs with this message; graphile-worker retries them with backoff.
        await this.workerPool?.forcefulShutdown(`worker shut down after ${grace} ms grace period`);
      } catch (err) {
        logger.warn({ err }, 'forced stop failed');
      }
    }
  }

  private async release(): Promise<void> {
    const flushed = await this.writer.drain();
    await this.heartbeat?.stop(flushed).catch(() => {});
    await this.listener.close();
    await this.closeOwned();
    await this.services.workerUtils.release();
    if (!this.options.services?.mailer) this.services.mailer.close();
  }
}
