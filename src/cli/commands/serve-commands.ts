import type { Command } from 'commander';
import { parseConfig } from '../../config.ts';
import { createLogger } from '../../logger.ts';
import { taskList } from '../../tasks/index.ts';
import { positiveInt } from '../options.ts';
import { runUntilSignal } from '../run-until-signal.ts';
import { type ServeOptions, serve } from '../serve.ts';

async function launch(kind: 'start' | 'api' | 'worker', options: ServeOptions): Promise<void> {
  const config = parseConfig();
  const logger = createLogger(config.logLevel);
  const service = await serve(config, logger, options);
  // Leave room after the job grace period for the server and pool to close.
  runUntilSignal(logger, config.shutdownTimeoutMs + 15_000, service.stop);
  if (service.url) {
    const key =
      service.adminKey.generated || !config.adminKey ? service.adminKey.key : '(from TENANTRY_ADMIN_KEY)';
    console.log(`Tenantry ${kind}: API ${service.url}  docs ${service.url}/docs  admin key ${key}`);
  } else {
    console.log(`Tenantry ${kind}: worker running with concurrency ${options.worker?.concurrency}`);
  }
}

export function registerServeCommands(program: Command): void {
  program
    .command('start')
    .description('API, worker and cron in one process (embedded PostgreSQL when DATABASE_URL is unset)')
    .option('--no-migrate', 'do not apply migrations at start')
    .action(async (opts: { migrate: boolean }) => {
      const config = parseConfig();
      await launch('start', {
        api: true,
        migrate: opts.migrate,
        worker: { concurrency: config.workerConcurrency, cron: true, taskList },
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
    .option('--concurrency <n>', 'jobs run at once', positiveInt)
    .option('--no-cron', 'do not run the crontab schedule in this process')
    .option('--no-migrate', 'do not apply migrations at start')
    .action(async (opts: { concurrency?: number; cron: boolean; migrate: boolean }) => {
      const config = parseConfig();
      await launch('worker', {
        api: false,
        migrate: opts.migrate,
        worker: { concurrency: opts.concurrency ?? config.workerConcurrency, cron: opts.cron, taskList },
      });
    });
}
