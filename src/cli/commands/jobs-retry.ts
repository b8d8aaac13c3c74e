import type { Command } from 'commander';
import { parseConfig } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { tenantIdArg } from '../options.ts';
import { withRuntime } from '../with-runtime.ts';

/** Jobs retried per reservation under the pending-jobs bound, as the API's bulk retry takes them. */
const CHUNK = 200;

const plural = (n: number) => `${n} failed job${n === 1 ? '' : 's'}`;

/**
 * `tenantry jobs retry ID | --all [--tenant]`. A retried job waits again, so it needs room under
 * its tenant's TENANT_MAX_PENDING_JOBS as a dispatch does (the API's retries reserve it; this
 * command did not). `--all` reserves a chunk at a time and stops at the first tenant without
 * room, saying how many it retried before.
 */
export function registerRetryCommand(jobs: Command): void {
  jobs
    .command('retry')
    .description('put a failed or cancelled job back in the queue (attempts reset)')
    .argument('[id]', 'job-log id')
    .option('--all', 'every permanently failed job')
    .option('--tenant <id>', 'with --all: only this tenant', tenantIdArg)
    .action(async (id: string | undefined, opts: { all?: boolean; tenant?: string }) => {
      if (!id && !opts.all) throw new Error('name a job-log id or pass --all');
      if (id && (opts.all || opts.tenant)) throw new Error('name a job-log id or pass --all, not both');
      const config = parseConfig();
      const [
        { retryJob },
        { countByTenant, reservePendingJobs },
        { failureIds, findJobLog },
        { requireTenant },
      ] = await Promise.all([
        import('../../jobs/control.ts'),
        import('../../jobs/pending-quota.ts'),
        import('../../job-logs/repository.ts'),
        import('../../db/tenants.ts'),
      ]);
      await withRuntime(async ({ db }) => {
        const reserve = (tenants: (string | null)[]) =>
          reservePendingJobs(db, countByTenant(tenants), config.tenantMaxPendingJobs);
        if (id) {
          const row = await findJobLog(db, id);
          if (row && (row.status === 'failed' || row.status === 'cancelled')) await reserve([row.tenant_id]);
          await retryJob(db, id);
          console.log(`job ${id} is pending again`);
          return;
        }
        await requireTenant(db, opts.tenant);
        let query = db
          .selectFrom('tenantry.job_logs')
          .select(['id', 'tenant_id'])
          .where('status', '=', 'failed')
          .where('id', 'in', failureIds(db, ['failed'], opts.tenant))
          .orderBy('id');
        if (opts.tenant) query = query.where('tenant_id', '=', opts.tenant);
        const failed = await query.execute();
        let retried = 0;
        for (let at = 0; at < failed.length; at += CHUNK) {
          const chunk = failed.slice(at, at + CHUNK);
          try {
            await reserve(chunk.map((r) => r.tenant_id));
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            throw new Error(`retried ${plural(retried)}, then stopped: ${err.message}`);
          }
          for (const row of chunk) {
            // Retried (or cancelled, removed) by someone else since the list was read: not ours to count.
            const done = await retryJob(db, row.id).then(
              () => true,
              (err: unknown) => {
                if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found'))
                  return false;
                throw err;
              },
            );
            if (done) retried++;
          }
        }
        console.log(`retried ${plural(retried)}`);
      });
    });
}
