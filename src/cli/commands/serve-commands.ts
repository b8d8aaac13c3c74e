import type { Command } from 'commander';
import { parseConfig } from '../../config.ts';
import type { JobCeilings } from '../../jobs/ceilings.ts';
import { QUEUE_PATTERN } from '../../jobs/lanes.ts';
import type { WorkerFilter } from '../../jobs/tenant-gate.ts';
import { isTenantId } from '../../tenancy.ts';
import { collect, intArg } from '../options.ts';
import type { ServeOptions } from '../serve.ts';

type LaunchOptions = Omit<ServeOptions, 'worker'> & {
  worker:
    | {
        concurrency: number;
        cron: boolean;
        filter?: WorkerFilter;
        pollInterval?: number | undefined;
        ceilings?: JobCeilings;
      }
    | undefined;
};

/**
 * The process pool's size. The API opens a pool of its own (serve.ts); an API alone needs a few
 * for its start and the cache store (the cache routes). A worker's jobs each may hold a
 * connection, beside its scheduler's (graphile-worker warns when its pool is below its
 * concurrency): a job waiting for one past the pool's 5 s fails its attempt.
 */
export function runtimePoolSize(workerConcurrency: number | undefined): number {
  return workerConcurrency === undefined ? 4 : Math.max(10, workerConcurrency + 2);
}

async function launch(kind: 'start' | 'api' | 'worker', options: LaunchOptions): Promise<void> {
  const config = parseConfig();
  const [{ createLogger }, { openRuntime }] = await Promise.all([
    import('../../logger.ts'),
    import('../../runtime.ts'),
  ]);
  const logger = createLogger(config.logLevel);
  // The database comes up (an embedded PostgreSQL boots) while the server modules load.
  // `start` owns its embedded server; `api` and `worker` may join one another process runs.
  const opening = openRuntime(config, logger, {
    poolSize: runtimePoolSize(options.worker?.concurrency),
    attach: kind !== 'start',
  });
  opening.catch(() => {});
  const modules = Promise.all([
    import('../serve.ts'),
    import('../run-until-signal.ts'),
    options.worker ? import('../../tasks/index.ts') : undefined,
  ]);
  const [{ serve }, { runUntilSignal }, tasks] = await modules.catch(async (err: unknown) => {
    await opening.then((runtime) => runtime.close()).catch(() => {});
    throw err;
  });
  const service = await serve(
    config,
    logger,
    {
      ...options,
      worker: options.worker && tasks ? { ...options.worker, registry: tasks.registry } : undefined,
    },
    opening,
  );
  // Leave room after the job grace period for the server and pool to close.
  runUntilSignal(logger, config.shutdownTimeoutMs + 15_000, service.stop);
  if (service.url) {
    // The key itself is printed once, on the start that generated it; later starts say where it is.
    const { adminKey } = service;
    const key = adminKey.generated
      ? `${adminKey.key} (new; kept in ${adminKey.source})`
      : adminKey.source === 'env'
        ? 'from TENANTRY_ADMIN_KEY'
        : `in ${adminKey.source}`;
    console.log(
      `Tenantry ${kind}: API ${service.url}  docs ${service.url}/docs  admin key ${key}  dashboard ${service.url}/dashboard`,
    );
  }
  try {
    await service.workerStarted;
  } catch (err) {
    // A process whose worker cannot start is not half up: it stops, and says why, non-zero.
    logger.error({ err }, 'the worker could not start');
    await service.stop().catch(() => {});
    throw err;
  }
  if (!service.url) {
    const { tries, timeoutMs } = options.worker?.ceilings ?? {};
    const bounds = [
      tries === undefined ? '' : `, at most ${tries} attempts a tenant job`,
      timeoutMs === undefined ? '' : `, tenant jobs' attempts cut at ${timeoutMs / 1000} s`,
    ].join('');
    console.log(`Tenantry ${kind}: worker running with concurrency ${options.worker?.concurrency}${bounds}`);
  }
  // A worker that gives up on the database leaves with a non-zero code, so a supervisor restarts it.
  service.failed.catch(async (err: unknown) => {
    console.error(`tenantry: ${err instanceof Error ? err.message : String(err)}`);
    await service.stop().catch(() => {});
    process.exit(1);
  });
}

interface WorkerFlags {
  tenant: string[];
  queue: string[];
  concurrency?: number;
  sleep?: number;
  tries?: number;
  timeout?: number;
  cron: boolean;
  once?: boolean;
  migrate: boolean;
}

function checked(values: string[], valid: (v: string) => boolean, what: string): string[] {
  const bad = values.find((v) => !valid(v));
  if (bad !== undefined) throw new Error(`--${what} "${bad}" is not a valid ${what} name`);
  return values;
}

export function registerServeCommands(program: Command): void {
  program
    .command('start')
    .description('API, worker and cron in one process (embedded PostgreSQL when DATABASE_URL is unset)')
    .option(
      '--concurrency <n>',
      'jobs the worker runs at once, 1 to 1000 (default WORKER_CONCURRENCY)',
      intArg(1, 1000),
    )
    .option('--no-cron', 'do not run the crontab schedule in this process')
    .option('--no-migrate', 'do not apply migrations at start')
    .action(async (opts: { concurrency?: number; cron: boolean; migrate: boolean }) => {
      const config = parseConfig();
      await launch('start', {
        api: true,
        migrate: opts.migrate,
        worker: { concurrency: opts.concurrency ?? config.workerConcurrency, cron: opts.cron },
      });
    });

  program
    .command('api')
    .description('the HTTP API only')
    .option('--no-migrate', 'do not apply migrations at start')
    .action(async (opts: { migrate: boolean }) => {
      await launch('api', { api: true, migrate: opts.migrate, worker: undefined });
    });

  program
    .command('worker')
    .description('a worker process (with cron unless --no-cron)')
    .option('--tenant <id>', "only this tenant's jobs (repeatable; central jobs are skipped)", collect, [])
    .option('--queue <name>', 'only this logical queue (repeatable)', collect, [])
    .option('--concurrency <n>', 'jobs run at once, 1 to 1000 (default WORKER_CONCURRENCY)', intArg(1, 1000))
    .option(
      '--sleep <seconds>',
      'how often an idle worker looks for jobs LISTEN/NOTIFY did not announce, 1 to 60 (default 2)',
      intArg(1, 60),
    )
    .option(
      '--tries <n>',
      'most attempts a tenant job may have in this worker, 1 to 25 (lowers, never raises, its max_attempts)',
      intArg(1, 25),
    )
    .option(
      '--timeout <seconds>',
      "longest a tenant job's attempt may run in this worker, 1 to 86400 (lowers, never raises, its task timeout)",
      intArg(1, 86_400),
    )
    .option('--once', 'run until no job is ready, then exit 0')
    .option('--no-cron', 'do not run the crontab schedule in this process')
    .option('--no-migrate', 'do not apply migrations at start')
    .action(async (opts: WorkerFlags) => {
      const config = parseConfig();
      const filter = {
        tenants: checked(opts.tenant, isTenantId, 'tenant'),
        queues: checked(opts.queue, (q) => QUEUE_PATTERN.test(q), 'queue'),
      };
      const worker = {
        concurrency: opts.concurrency ?? config.workerConcurrency,
        cron: opts.cron && !opts.once,
        filter,
        pollInterval: opts.sleep === undefined ? undefined : opts.sleep * 1000,
        ceilings: {
          tries: opts.tries,
          timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
        },
      };
      if (opts.once) {
        const [{ openWorkerOnce }, { registry }] = await Promise.all([
          import('../worker-once.ts'),
          import('../../tasks/index.ts'),
        ]);
        const processed = await openWorkerOnce(config, { ...worker, registry }, opts.migrate);
        console.log(
          `worker --once: ${processed.processed} completed, ${processed.failed + processed.retried} failed, no job ready`,
        );
        return;
      }
      await launch('worker', { api: false, migrate: opts.migrate, worker });
    });
}
