import { once } from 'node:events';
import { runOnce, type WorkerPool } from 'graphile-worker';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { CacheStore } from '../cache/contract.ts';
import { createCacheStore } from '../cache/runtime.ts';
import type { Config } from '../config.ts';
import { createPool, type Db } from '../db/database.ts';
import type { Listener } from '../db/listener.ts';
import type { TenantDatabase } from '../db/tenant-database.ts';
import { settledWithin } from '../deadline.ts';
import type { Resolver } from '../job-logs/callback-delivery.ts';
import type { RunningJobs } from '../jobs/cancellation.ts';
import type { JobCeilings } from '../jobs/ceilings.ts';
import { WorkerShutdownError } from '../jobs/errors.ts';
import { JobLogWriter } from '../jobs/log-writer.ts';
import { JobMetrics } from '../jobs/metrics.ts';
import { StartGate } from '../jobs/rate-gate.ts';
import type { TaskRegistry } from '../jobs/registry.ts';
import type { TaskServices } from '../jobs/services.ts';
import type { WorkerFilter } from '../jobs/tenant-gate.ts';
import type { Logger } from '../logger.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createNotificationRouter, type NotificationRouter } from '../notifications/router.ts';
import { AdmissionDepth } from './admission-depth.ts';
import { AdmissionTick } from './admission-tick.ts';
import { connectWorker } from './connect-worker.ts';
import { loadCronItems } from './crontab-items.ts';
import { firstJobOnly, type GraphileSetup, graphileSetup } from './graphile-options.ts';
import { Heartbeat } from './heartbeat.ts';
import { LoopHealth } from './loop-health.ts';
import { RestoreWatch } from './restore-watch.ts';
import { PoolSupervisor } from './supervisor.ts';
import { waitForDatabase } from './wait-for-database.ts';

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
  /** Takes no job after its first (graphile-options.ts firstJobOnly); needs filter.queues. */
  firstJobOnly?: boolean;
  pollInterval?: number;
  /** Bounds on the tenant jobs this worker runs (`worker --tries --timeout`). */
  ceilings?: JobCeilings;
  /** Replace the defaults built from config (SMTP or JSON mailer, logging notification providers). */
  services?: { mailer?: Mailer; notifications?: NotificationRouter; cache?: CacheStore; resolver?: Resolver };
}

/**
 * How long jobs aborted at the shutdown timeout get to write their outcome (a laned job goes
 * back to its lane) before graphile-worker's forced stop fails whatever is still running.
 */
const OUTCOME_WRITE_GRACE_MS = 5_000;

interface Parts {
  listener: Listener;
  running: RunningJobs;
  writer: JobLogWriter;
  metrics: JobMetrics;
  services: TaskServices;
  graphile: GraphileSetup;
  /** How many jobs admission keeps queued for this worker now. */
  depth: AdmissionDepth;
  supervisor: PoolSupervisor;
  closeOwned: () => Promise<void>;
}

/**
 * A graphile-worker runner with Tenantry's job semantics (see jobs/execute.ts), kept running
 * through database outages by PoolSupervisor, and its shutdown contract: stop() takes no new
 * jobs, lets running ones finish for up to SHUTDOWN_TIMEOUT_MS, then fails the rest back to
 * the queue (retried later), so no job is lost. Idempotent.
 */
export class WorkerService {
  private stopping: Promise<void> | undefined;
  private heartbeat: Heartbeat | undefined;
  private readonly options: WorkerOptions;
  private readonly parts: Parts;

  private constructor(options: WorkerOptions, parts: Parts) {
    this.options = options;
    this.parts = parts;
  }

  /** Builds everything a worker needs, once PostgreSQL answers; `start()` or `runUntilIdle()` then runs it. */
  static async create(options: WorkerOptions): Promise<WorkerService> {
    const { config, db, pool, logger } = options;
    // Before anything is opened: a crontab that cannot run stops the start with nothing to close.
    const cronItems = options.crontabFile
      ? loadCronItems(options.crontabFile, config.crontabFileNamed, options.registry, logger)
      : [];
    await waitForDatabase(pool, { timeoutMs: config.databaseWaitMs, logger });
    const { listener, gate, running, workerUtils } = await connectWorker(options);
    const writerPool = createPool({
      connectionString: options.connectionString,
      max: 2,
      applicationName: 'tenantry-job-logs',
      idleTimeoutMs: config.databaseIdleTimeoutMs,
      stallMs: config.databaseStallMs,
    });
    // Late starts crowding lower this worker's admission depth, published at once, and so is its
    // return to the full depth (a write that fails is left to the next beat, which writes the
    // depth of that moment).
    const depth = new AdmissionDepth(options.concurrency, config.schedulerBuffer, Date.now, () => {
      void service.heartbeat?.publishSlots().catch(() => {});
    });
    const admissionSlots = () => depth.current();
    const writer = new JobLogWriter(writerPool, logger, { minBudget: admissionSlots });
    const metrics = new JobMetrics();
    // The configured store (CACHE_STORE), unless the caller shares its own: tasks must write
    // where the API and the CLI read.
    const cache = options.services?.cache ?? createCacheStore(config, { db });
    const ownsCache = cache !== options.services?.cache;
    const services: TaskServices = {
      config,
      mailer:
        options.services?.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }, logger),
      notifications: options.services?.notifications ?? createNotificationRouter(logger),
      workerUtils,
      cache,
      connectionString: options.connectionString,
      resolver: options.services?.resolver,
    };
    // Shares the pool; destroying it must not end the pool.
    const tenantDb = new Kysely<TenantDatabase>({
      dialect: new PostgresDialect({
        pool: { connect: () => pool.connect(), end: async () => {}, options: {} },
      }),
    });
    const graphile = graphileSetup({
      config,
      pool,
      logger,
      registry: options.registry,
      concurrency: options.concurrency,
      cronItems,
      pollInterval: options.pollInterval,
      gate,
      deps: {
        db,
        tenantDb,
        logger,
        writer,
        running,
        gate,
        starts: new StartGate(pool, () => depth.late()),
        metrics,
        services,
        ceilings: options.ceilings,
      },
    });
    const admission = new AdmissionTick({
      pool: writerPool,
      logger,
      slots: admissionSlots,
      tickMs: config.schedulerTickMs,
      reconcileMs: config.reconcileIntervalMs,
      upkeepMs: config.queueUpkeepMs,
      upkeepPool: pool,
    });
    admission.start();
    const restores = new RestoreWatch({
      db,
      logger,
      everyMs: config.reconcileIntervalMs,
      // Waiting for readers of a schema to let go: not long, the next check tries again (and
      // the exclusive backup lock held meanwhile turns a restore started then into a 409).
      lockTimeoutMs: Math.min(config.backupTimeoutMs, 10_000),
    });
    restores.start();
    const pollMs = options.pollInterval ?? 2000;
    const longestTask = Math.max(...options.registry.all().map((d) => d.timeoutMs));
    const health = new LoopHealth(Math.max(5 * pollMs, 10_000), longestTask + 30_000);
    health.watch(graphile.events);
    const parts: Omit<Parts, 'supervisor'> = {
      listener,
      running,
      writer,
      metrics,
      services,
      graphile,
      depth,
      closeOwned: async () => {
        admission.stop();
        await restores.stop();
        if (ownsCache) await cache.close();
        depth.stop();
        await tenantDb.destroy();
        await writerPool.end();
      },
    };
    const service: WorkerService = new WorkerService(options, {
      ...parts,
      supervisor: new PoolSupervisor({
        graphileOptions: options.firstJobOnly
          ? firstJobOnly(graphile, options.filter?.queues ?? [])
          : graphile.options,
        poolRef: graphile.poolRef,
        pool,
        db,
        logger,
        writer,
        running,
        health,
        databaseWaitMs: config.databaseWaitMs,
        stallMs: Math.max(10 * pollMs, 30_000),
        handlerGraceMs: Math.max(config.shutdownTimeoutMs, 5_000),
        onPoolStarted: (workerPool) => service.startHeartbeat(workerPool, health),
        onPoolStopped: async () => {
          await service.heartbeat?.stop(false);
        },
      }),
    });
    return service;
  }

  /** Rejects when the worker gives up on the database (the process should exit non-zero). */
  get failed(): Promise<never> {
    return this.parts.supervisor.failed;
  }

  async start(): Promise<this> {
    await this.parts.supervisor.start();
    return this;
  }

  private async startHeartbeat(workerPool: WorkerPool, health: LoopHealth): Promise<void> {
    const { config, db, logger, concurrency } = this.options;
    this.heartbeat = new Heartbeat({
      db,
      logger,
      workerId: workerPool.id,
      concurrency,
      admissionSlots: () => this.parts.depth.current(),
      filter: this.options.filter ?? {},
      metrics: this.parts.metrics,
      rescueAfterMs: config.workerRescueAfterMs,
      healthy: () => health.healthy(),
    });
    await this.heartbeat.start();
  }

  /**
   * The CLI's lifecycle commands (src/cli/lifecycle-job.ts): a worker (`firstJobOnly`) that is
   * registered and heard like any other, so one that dies is rescued, runs the first job it
   * may take and then stops. Resolves once stopped: after that job has ended, when `signal`
   * aborts first (the job the command waited for ended elsewhere), or when the worker gives up
   * on the database (rejects).
   */
  async runFirstJob(signal: AbortSignal): Promise<void> {
    // Its job's end, or the caller's signal. A pool restarted after an outage runs the job again
    // (released with the old pool); the signal, given when the job has ended, ends the wait then.
    const ended = once(this.parts.graphile.events, 'job:complete', { signal }).catch(() => undefined);
    try {
      await this.start();
      await Promise.race([ended, this.failed]);
    } finally {
      await this.stop();
    }
  }

  /**
   * `--once`: runs jobs until none is ready, then releases everything. Each round admits what
   * the lanes let in, then lets graphile-worker run it (finished jobs admit more as they go);
   * it stops when an admission pass finds nothing due.
   */
  async runUntilIdle(): Promise<void> {
    const slots = this.options.concurrency * this.options.config.schedulerBuffer;
    try {
      for (;;) {
        const { rows } = await this.options.pool.query<{ n: number }>('SELECT tenantry.admit($1) AS n', [
          slots,
        ]);
        await runOnce(this.parts.graphile.options);
        if ((rows[0]?.n ?? 0) === 0) break;
      }
    } finally {
      await this.release();
    }
  }

  stats() {
    return this.parts.metrics.snapshot();
  }

  stop(): Promise<void> {
    this.stopping ??= this.drain().finally(() => this.release());
    return this.stopping;
  }

  private async drain(): Promise<void> {
    this.parts.supervisor.release();
    const runner = this.parts.supervisor.currentRunner;
    if (!runner) return;
    const { logger, config } = this.options;
    const grace = config.shutdownTimeoutMs;
    const graceful = runner.stop().catch((err: unknown) => {
      logger.warn({ err }, 'worker stopped with errors');
    });
    if (!(await settledWithin(graceful, grace))) {
      logger.warn(
        { shutdownTimeoutMs: grace },
        'running jobs did not finish in time; failing them for retry',
      );
      // Our handlers stop first and write their outcomes: a laned job goes back to its lane with
      // the attempt uncounted, which needs graphile-worker's lock on it. Its forced stop unlocks
      // and fails the jobs still running with an attempt counted, so it comes only after these
      // writes, and only for what they could not settle in time (PostgreSQL unreachable, say).
      this.parts.running.abortAll(new WorkerShutdownError());
      if (await settledWithin(graceful, OUTCOME_WRITE_GRACE_MS)) return;
      try {
        // Fails the running jobs with this message; graphile-worker retries them with backoff.
        await this.parts.supervisor.workerPool?.forcefulShutdown(
          `worker shut down after ${grace} ms grace period`,
        );
      } catch (err) {
        logger.warn({ err }, 'forced stop failed');
      }
    }
  }

  private async release(): Promise<void> {
    const flushed = await this.parts.writer.drain();
    await this.heartbeat?.stop(flushed).catch(() => {});
    await this.parts.listener.close();
    await this.parts.closeOwned();
    await this.parts.services.workerUtils.release();
    if (!this.options.services?.mailer) this.parts.services.mailer.close();
  }
}
