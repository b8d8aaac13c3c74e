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
 * command did not). `--all` goes tenant by tenant, reserving up to a chunk at a time, and
 * retries what fits; it then fails naming the tenants whose jobs it left, and how many.
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
      const [{ retryJob }, { reserveForRetry, reservePendingJobs }, { failureIds }, { requireTenant }] =
        await Promise.all([
          import('../../jobs/control.ts'),
          import('../../jobs/pending-quota.ts'),
          import('../../job-logs/repository.ts'),
          import('../../db/tenants.ts'),
        ]);
      await withRuntime(async ({ db }) => {
        /** Retried (or cancelled, removed) by someone else since the list was read: not ours to count. */
        const retried1 = (logId: string) =>
          retryJob(db, logId).then(
            () => true,
            (err: unknown) => {
              if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found'))
                return false;
              throw err;
            },
          );
        if (id) {
          await reserveForRetry(db, id, config.tenantMaxPendingJobs);
          await retryJob(db, id);
          console.log(`job ${id} is pending again`);
          return;
        }
        await requireTenant(db, opts.tenant);
        const query = db
          .selectFrom('tenantry.job_logs')
          .select(['id', 'tenant_id'])
          .where('status', '=', 'failed')
          .where('id', 'in', failureIds(db, ['failed'], opts.tenant))
          .orderBy('id');
        const failed = await query.execute();
        // Per tenant, oldest first: a tenant without room leaves its own jobs, not the others'.
        const byTenant = new Map<string | null, string[]>();
        for (const row of failed) {
          const ids = byTenant.get(row.tenant_id) ?? [];
          if (ids.length === 0) byTenant.set(row.tenant_id, ids);
          ids.push(row.id);
        }
        // Central jobs wait in no tenant's lanes: nothing to reserve.
        const fits = (tenant: string | null, n: number) =>
          (tenant === null
            ? Promise.resolve()
            : reservePendingJobs(db, new Map([[tenant, n]]), config.tenantMaxPendingJobs)
          ).then(
            () => true,
            (err: unknown) => {
              if (err instanceof AppError && err.code === 'rate_limited') return false;
              throw err;
            },
          );
        let retried = 0;
        const left: string[] = [];
        for (const [tenant, ids] of byTenant) {
          let at = 0;
          let size = CHUNK;
          while (at < ids.length) {
            const chunk = ids.slice(at, at + size);
            if (!(await fits(tenant, chunk.length))) {
              // What room there is, found by halving: a bound below the chunk still gets used.
              if (chunk.length === 1) {
                left.push(`${ids.length - at} of ${tenant}`);
                break;
              }
              size = Math.ceil(chunk.length / 2);
              continue;
            }
            for (const logId of chunk) if (await retried1(logId)) retried++;
            at += chunk.length;
          }
        }
        if (left.length > 0) {
          throw new Error(
            `retried ${plural(retried)}; no room under TENANT_MAX_PENDING_JOBS (${config.tenantMaxPendingJobs}) ` +
              `for the rest: ${left.join(', ')} (retry once some have started)`,
          );
        }
        console.log(`retried ${plural(retried)}`);
      });
    });
}
