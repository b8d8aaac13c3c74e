import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseConfig } from '../../config.ts';
import { intArg, tenantIdArg } from '../options.ts';
import { withRuntime } from '../with-runtime.ts';

function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`is not JSON: ${(err as Error).message}`);
  }
}

/** The longest delay a job may be given (MAX_DELAY_MS of src/jobs/dispatch.ts: ten years). */
export const MAX_DELAY_MS = 315_576_000_000;

interface DispatchFlags {
  tenant?: string;
  payload: unknown;
  queue?: string;
  delayMs?: number;
  priority?: number;
  jobKey?: string;
  maxAttempts?: number;
}

/**
 * `tenantry jobs dispatch`: an operator dispatches with an admin's rights, through the same
 * audience rules as the API: tenant tasks name their tenant, admin tasks run centrally,
 * system tasks (crontab, triggers) cannot be dispatched from outside.
 */
export function registerDispatchCommand(jobs: Command): void {
  jobs
    .command('dispatch')
    .description('dispatch a job as an operator (admin rights; system tasks are refused)')
    .argument('<task>', 'task name')
    .option('--tenant <id>', 'the tenant a tenant task runs for', tenantIdArg)
    .option('--payload <json>', 'the task payload as JSON', json, {})
    .option('--queue <name>', 'logical queue (default: the task queue)')
    .option('--delay-ms <ms>', 'run after this delay (up to ten years)', intArg(0, MAX_DELAY_MS))
    .option('--priority <n>', 'lower runs first (-32768 to 32767)', intArg(-32_768, 32_767))
    .option('--job-key <key>', "replaces this tenant's pending job with the same key")
    .option('--max-attempts <n>', 'attempts before the job fails for good (1 to 25)', intArg(1, 25))
    .action(async (task: string, opts: DispatchFlags) => {
      const config = parseConfig();
      const { dispatchAs, registry } = await import('../../tasks/index.ts');
      const { pendingByTenant, reservePendingJobs } = await import('../../jobs/pending-quota.ts');
      await withRuntime(async ({ db }) => {
        const specs = [
          {
            task,
            payload: opts.payload,
            tenant: opts.tenant ?? null,
            queue: opts.queue,
            delayMs: opts.delayMs,
            priority: opts.priority,
            jobKey: opts.jobKey,
            maxAttempts: opts.maxAttempts,
          },
        ];
        const context = {
          limits: config.jobLimits,
          callbackAllowPrivate: config.callbackAllowPrivate,
          maxBusyQueues: config.tenantMaxBusyQueues,
        };
        const pending = pendingByTenant(registry, specs, { ...context, caller: { kind: 'admin' } });
        await reservePendingJobs(db, pending, config.tenantMaxPendingJobs);
        const [job] = await dispatchAs(db, { kind: 'admin' }, specs, context);
        console.log(
          `dispatched job ${job!.id} (${job!.task}${job!.tenantId ? ` for ${job!.tenantId}` : ''}, queue ${job!.queue})`,
        );
      });
    });
}
