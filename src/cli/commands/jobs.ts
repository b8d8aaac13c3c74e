import type { Command } from 'commander';
import type { Db } from '../../db/database.ts';
import { intArg, listLimit, tenantIdArg } from '../options.ts';
import { printTable } from '../table.ts';
import { withRuntime } from '../with-runtime.ts';
import { registerDispatchCommand } from './jobs-dispatch.ts';
import { registerRetryCommand } from './jobs-retry.ts';

/** A `--tenant` that names no tenant is an error (one line, exit 1), not an empty result. */
const requireTenant = async (db: Db, tenant: string | undefined) =>
  (await import('../../db/tenants.ts')).requireTenant(db, tenant);

export function registerJobCommands(program: Command): void {
  const jobs = program.command('jobs').description('inspect and operate the job queues');
  registerDispatchCommand(jobs);
  registerRetryCommand(jobs);

  jobs
    .command('monitor')
    .description(
      'per tenant lane and central queue: ready, scheduled, admitted and running jobs, cap, weight, rate, pause',
    )
    .option('--tenant <id>', "only this tenant's lanes", tenantIdArg)
    .option('--all', 'also lanes with no job and no pause')
    .option('--watch', 'refresh until interrupted')
    .option('--interval <seconds>', 'refresh interval with --watch (1 to 3600)', intArg(1, 3600), 2)
    .action(async (opts: { tenant?: string; all?: boolean; watch?: boolean; interval: number }) => {
      const [{ isBusy, queueStats }, { formatRate }] = await Promise.all([
        import('../../jobs/queue-stats.ts'),
        import('../../jobs/tenant-limits.ts'),
      ]);
      const rateCell = (limit: number | null, periodMs: number | null) =>
        limit === null || periodMs === null ? '-' : formatRate({ limit, periodMs });
      await withRuntime(async ({ db }) => {
        await requireTenant(db, opts.tenant);
        for (;;) {
          const stats = (await queueStats(db, opts.tenant)).filter((s) => opts.all || isBusy(s));
          if (opts.watch) process.stdout.write('\u001b[2J\u001b[H');
          console.log(`queues at ${new Date().toISOString()}`);
          printTable(
            stats.map((s) => ({
              ...s,
              tenant: s.tenant ?? '(central)',
              rate: rateCell(s.rate_limit, s.rate_period_ms),
              'queue rate': rateCell(s.queue_rate_limit, s.queue_rate_period_ms),
              cap: s.cap ?? '-',
              weight: s.weight ?? '-',
              paused: s.paused === null ? '-' : s.paused ? 'yes' : 'no',
            })),
            [
              'tenant',
              'queue',
              'ready',
              'scheduled',
              'admitted',
              'running',
              'failed',
              'cap',
              'weight',
              'rate',
              'queue rate',
              'paused',
            ],
          );
          if (!opts.watch) return;
          await new Promise((r) => setTimeout(r, opts.interval * 1000));
        }
      });
    });

  jobs
    .command('reconcile')
    .description(
      "check each tenant lane's running-job count against its admitted jobs and its due time against its waiting jobs, find jobs graphile-worker failed for good whose log stayed open, and repair what is off",
    )
    .option('--dry-run', 'report what is off, change nothing')
    .option('--json', 'print {"drift": [...], "stranded": [...], "abandoned": [...]} as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const { abandonedJobs, reconcileLanes, strandedLanes } = await import('../../jobs/queue-stats.ts');
      await withRuntime(async ({ db }) => {
        const drift = await reconcileLanes(db, !opts.dryRun);
        const stranded = await strandedLanes(db, !opts.dryRun);
        const abandoned = await abandonedJobs(db, !opts.dryRun);
        if (opts.json) {
          console.log(JSON.stringify({ drift, stranded, abandoned }));
          return;
        }
        const lanes = (n: number) => `${n} lane${n === 1 ? '' : 's'}`;
        const jobsN = (n: number) => `${n} job${n === 1 ? '' : 's'}`;
        // Each check: what it found as a table and what was done, or one line saying all is well.
        const section = <T>(found: T[], columns: string[], clean: string, dry: string, done: string) => {
          if (found.length === 0) return console.log(clean);
          printTable(found as unknown as Record<string, unknown>[], columns);
          console.log(opts.dryRun ? `dry run: ${dry}, nothing changed` : done);
        };
        section(
          drift,
          ['lane', 'recorded', 'actual', 'vanished'],
          'no drift: every lane counts its admitted jobs exactly',
          `${lanes(drift.length)} off`,
          `repaired ${lanes(drift.length)}`,
        );
        section(
          stranded,
          ['lane', 'due', 'earliest'],
          "no stranded lane: every waiting job is within its lane's due time",
          `${lanes(stranded.length)} would never be picked again`,
          `woke ${lanes(stranded.length)} that would never have been picked again`,
        );
        section(
          abandoned,
          ['id', 'lane', 'error'],
          'no abandoned job: every job graphile-worker failed has its outcome',
          `${jobsN(abandoned.length)} failed for good with an open log`,
          `failed ${jobsN(abandoned.length)} graphile-worker had failed for good, freeing ${abandoned.length === 1 ? 'its slot' : 'their slots'}`,
        );
      });
    });

  jobs
    .command('failed')
    .description('permanently failed jobs (the dead letter), newest first')
    .option('--tenant <id>', "only this tenant's jobs", tenantIdArg)
    .option('--limit <n>', 'at most this many (up to 10000)', listLimit, 50)
    .action(async (opts: { tenant?: string; limit: number }) => {
      const { failureIds } = await import('../../job-logs/repository.ts');
      await withRuntime(async ({ db }) => {
        await requireTenant(db, opts.tenant);
        let query = db
          .selectFrom('tenantry.job_logs')
          .select(['id', 'tenant_id', 'task', 'queue', 'attempts', 'finished_at', 'error_message'])
          .where('status', '=', 'failed')
          .where('id', 'in', failureIds(db, ['failed'], opts.tenant))
          .orderBy('finished_at', 'desc')
          .limit(opts.limit);
        if (opts.tenant) query = query.where('tenant_id', '=', opts.tenant);
        const rows = await query.execute();
        printTable(
          rows.map((r) => ({ ...r, tenant: r.tenant_id ?? '(central)', error: r.error_message })),
          ['id', 'tenant', 'task', 'queue', 'attempts', 'finished_at', 'error'],
        );
      });
    });

  jobs
    .command('flush')
    .description('delete permanently failed jobs from the queue (their job logs stay, marked failed)')
    .option('--tenant <id>', "only this tenant's jobs", tenantIdArg)
    .action(async (opts: { tenant?: string }) => {
      const { flushFailedJobs } = await import('../../jobs/queue-stats.ts');
      await withRuntime(async ({ db }) => {
        await requireTenant(db, opts.tenant);
        const flushed = await flushFailedJobs(db, opts.tenant);
        console.log(`flushed ${flushed} permanently failed job${flushed === 1 ? '' : 's'} from the queue`);
      });
    });

  jobs
    .command('run-now')
    .description('start a delayed job, or one waiting out its retry backoff, now')
    .argument('[id]', 'job-log id')
    .option('--all', 'every job waiting for a later start')
    .option('--tenant <id>', "with --all: only this tenant's", tenantIdArg)
    .option('--queue <name>', 'with --all: only this queue')
    .action(async (id: string | undefined, opts: { all?: boolean; tenant?: string; queue?: string }) => {
      if (!id && !opts.all) throw new Error('name a job-log id or pass --all');
      if (id && (opts.all || opts.tenant || opts.queue))
        throw new Error('name a job-log id or pass --all, not both');
      await withRuntime(async ({ db }) => {
        if (id) {
          await (await import('../../jobs/run-now.ts')).runJobNow(db, id);
          console.log(`job ${id} is due now`);
          return;
        }
        await requireTenant(db, opts.tenant);
        const { bulkAct } = await import('../../job-logs/bulk.ts');
        const request = { action: 'run-now' as const, filters: { tenantId: opts.tenant, queue: opts.queue } };
        // Counted once; the calls after it take only the jobs that count saw waiting (as_of).
        const counted = await bulkAct(db, { ...request, dryRun: true, limit: 1 });
        let done = 0;
        for (let left = counted.matched; left > 0; ) {
          const step = await bulkAct(db, { ...request, dryRun: false, limit: 200, asOf: counted.as_of });
          done += step.done.length;
          if (step.done.length + step.skipped.length === 0) break;
          left = step.remaining;
        }
        console.log(`made ${done} job${done === 1 ? '' : 's'} due now`);
      });
    });

  jobs
    .command('cancel')
    .description('cancel a job: a pending one never starts, a running one is signalled')
    .argument('<id>', 'job-log id')
    .action(async (id: string) => {
      const { cancelJob } = await import('../../jobs/control.ts');
      await withRuntime(async ({ db }) => {
        const { status } = await cancelJob(db, id);
        console.log(
          status === 'cancelled'
            ? `job ${id} cancelled`
            : `job ${id} is running; cancel signalled to its worker`,
        );
      });
    });
}
