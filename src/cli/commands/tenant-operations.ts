import type { Command } from 'commander';
import { parseConfig } from '../../config.ts';
import type { PerTenantResult } from '../../lifecycle/for-each-tenant.ts';
import type { MaintenanceReport } from '../../lifecycle/maintenance.ts';
import type { Runtime } from '../../runtime.ts';
import { intArg, tenantIdArg } from '../options.ts';
import { printTable } from '../table.ts';
import { withRuntime } from '../with-runtime.ts';

// The lifecycle modules (pg_dump, encryption, maintenance SQL) load when a command runs.
const backups = () => import('../../lifecycle/backup/index.ts');
const lifecycleJob = () => import('../lifecycle-job.ts');
const cacheRuntime = () => import('../../cache/runtime.ts');

/** A job run in the command's own process needs connections beside the command's. */
const JOB_POOL_SIZE = 8;

/** Command output is the report on stdout (progress and errors go to stderr). */
const print = (line: string) => process.stdout.write(`${line}\n`);

interface Scope {
  tenant?: string;
  all?: boolean;
}

/** The one tenant of --tenant (which must exist), or undefined for --all. */
async function scopeTenant(runtime: Runtime, scope: Scope): Promise<string | undefined> {
  if (Boolean(scope.tenant) === Boolean(scope.all))
    throw new Error('choose exactly one of --tenant ID or --all');
  const { requireTenant } = await import('../../db/tenants.ts');
  // One that does not exist is one line and exit 1, before any job is dispatched.
  await requireTenant(runtime.db, scope.tenant);
  return scope.tenant;
}

/** The result of a lifecycle job over one tenant or all (src/lifecycle/for-each-tenant.ts). */
const perTenant = <T>(result: unknown) =>
  Object.entries((result as PerTenantResult<T>).results) as [string, T][];

const noWait = ['--no-wait', 'print the job log id and return at once (the job runs in a worker)'] as const;

/** The long-running operator commands: backup, restore, maintenance, health, schedule. */
export function registerTenantOperationCommands(program: Command, tenants: Command): void {
  tenants
    .command('backup')
    .description('back up one tenant or all: pg_dump -Fc, verified, checksummed, optionally encrypted')
    .option('--tenant <id>', 'one tenant', tenantIdArg)
    .option('--all', 'every tenant')
    .option('--keep <n>', 'then keep only the newest N backups of each (1 to 1000)', intArg(1, 1000))
    .option('--check', 'only check that pg_dump/pg_restore exist and match the server')
    .option(...noWait)
    .action(async (opts: Scope & { keep?: number; check?: boolean; wait: boolean }) => {
      const [{ checkBackupTools, humanSize }, { runLifecycleJob }] = await Promise.all([
        backups(),
        lifecycleJob(),
      ]);
      await withRuntime(async (runtime) => {
        if (opts.check) {
          const report = await checkBackupTools(runtime.db, { backupDir: runtime.config.backupDir });
          for (const tool of report.tools) print(`${tool.tool}: ${tool.found ? tool.version : 'not found'}`);
          print(`server: ${report.server.version}`);
          for (const problem of report.problems) console.error(problem);
          if (!report.ok) process.exitCode = 1;
          return;
        }
        const tenant = await scopeTenant(runtime, opts);
        const log = await runLifecycleJob(
          runtime,
          {
            task: 'tenant-backup',
            payload: { ...(tenant ? { tenant } : {}), ...(opts.keep ? { keep: opts.keep } : {}) },
            tenant,
            what: tenant ? `the backup of ${tenant}` : 'the backup',
          },
          opts,
        );
        if (!log) return;
        type Made = { file: string; size_bytes: number; pruned: number };
        printTable(
          perTenant<Made>(log.result).map(([id, r]) => ({
            tenant: id,
            file: r.file,
            size: humanSize(r.size_bytes),
            pruned: r.pruned,
          })),
          ['tenant', 'file', 'size', 'pruned'],
        );
      }, JOB_POOL_SIZE);
    });

  tenants
    .command('restore')
    .argument('<id>', 'tenant id', tenantIdArg)
    .description(
      "list a tenant's backups, or restore one (pauses its jobs, swaps the schema, flushes its cache)",
    )
    .option('--list', 'list the backups')
    .option('--latest', 'restore the newest backup')
    .option('--backup <file>', 'restore this backup file (a name from --list)')
    .option(...noWait)
    .action(
      async (tenant: string, opts: { list?: boolean; latest?: boolean; backup?: string; wait: boolean }) => {
        if ([opts.list, opts.latest, opts.backup].filter(Boolean).length !== 1) {
          throw new Error('choose exactly one of --list, --latest or --backup FILE');
        }
        const [{ chooseRestoreBackup, humanSize, listBackups }, { runLifecycleJob }, { requireTenant }] =
          await Promise.all([backups(), lifecycleJob(), import('../../db/tenants.ts')]);
        await withRuntime(async (runtime) => {
          const deps = { db: runtime.db, backupDir: runtime.config.backupDir };
          // As --latest does: an unknown tenant is named, not listed as having no backups.
          await requireTenant(runtime.db, tenant);
          if (opts.list) {
            printTable(
              (await listBackups(deps, tenant)).map((b) => ({
                ...b,
                size: humanSize(b.sizeBytes),
                file: b.missing ? 'MISSING' : 'ok',
              })),
              ['fileName', 'size', 'encrypted', 'createdAt', 'file'],
            );
            return;
          }
          // Chosen now, as the API chooses: a wrong name or a missing file is said before any job.
          const backup = await chooseRestoreBackup(
            deps,
            tenant,
            opts.backup ? { backup: opts.backup } : { latest: true },
          );
          const log = await runLifecycleJob(
            runtime,
            { task: 'tenant-restore', payload: { tenant, backup }, tenant, what: `the restore of ${tenant}` },
            opts,
          );
          if (!log) return;
          const result = log.result as { duration_ms: number; warnings?: string[] };
          print(`restored ${tenant} from ${backup} in ${result.duration_ms} ms`);
          for (const warning of result.warnings ?? []) console.error(`warning: ${warning}`);
        }, JOB_POOL_SIZE);
      },
    );

  tenants
    .command('maintenance')
    .description('VACUUM/ANALYZE/REINDEX, cleanup of old rows and backups for one tenant or all')
    .option('--tenant <id>', 'one tenant', tenantIdArg)
    .option('--all', 'every tenant')
    .option('--backup', 'back up first')
    .option('--keep <n>', 'with --backup: keep the newest N (1 to 1000)', intArg(1, 1000))
    .option('--optimize', 'ANALYZE and REINDEX CONCURRENTLY of bloated indexes')
    .option('--analyze', 'ANALYZE the tenant tables')
    .option('--vacuum', 'VACUUM (ANALYZE) the tenant tables (never FULL)')
    .option('--cleanup', 'delete finished job logs, expired exports and events older than --days')
    .option('--days <n>', 'age for --cleanup (1 to 36500)', intArg(1, 36_500), 365)
    .option('--dry-run', 'report what would happen, with counts; change nothing')
    .option(...noWait)
    .action(async (opts: Scope & Record<string, unknown> & { days: number; wait: boolean }) => {
      const flag = (on: unknown) => (on === true ? true : undefined);
      const options = {
        backup: flag(opts.backup),
        keep: opts.keep as number | undefined,
        optimize: flag(opts.optimize),
        analyze: flag(opts.analyze),
        vacuum: flag(opts.vacuum),
        cleanup_days: opts.cleanup ? opts.days : undefined,
        dry_run: flag(opts.dryRun),
      };
      const [{ checkMaintenanceOptions }, { runLifecycleJob }] = await Promise.all([
        import('../../lifecycle/maintenance.ts'),
        lifecycleJob(),
      ]);
      checkMaintenanceOptions({ ...options, cleanupDays: options.cleanup_days, dryRun: options.dry_run });
      await withRuntime(async (runtime) => {
        const tenant = await scopeTenant(runtime, opts);
        const payload = Object.fromEntries(
          Object.entries({ tenant, ...options }).filter(([, v]) => v !== undefined),
        );
        const log = await runLifecycleJob(
          runtime,
          {
            task: 'tenant-maintenance',
            payload,
            tenant,
            what: tenant ? `the maintenance of ${tenant}` : 'the maintenance',
          },
          opts,
        );
        if (!log) return;
        for (const [, report] of perTenant<MaintenanceReport>(log.result)) print(JSON.stringify(report));
      }, JOB_POOL_SIZE);
    });

  tenants
    .command('health')
    .argument('<id>', 'tenant id', tenantIdArg)
    .description('status, schema size, backups, last maintenance, queue depth, recent failures')
    .action(async (id: string) => {
      const [{ tenantHealth }, { humanSize }, { createCacheStore }, { formatRate }, { rateUseText }] =
        await Promise.all([
          import('../../lifecycle/health.ts'),
          backups(),
          cacheRuntime(),
          import('../../jobs/tenant-limits.ts'),
          import('../../jobs/rate-use.ts'),
        ]);
      await withRuntime(async (runtime) => {
        const store = createCacheStore(runtime.config, { db: runtime.db });
        try {
          const h = await tenantHealth(runtime.db, id, {
            cache: store,
            backupDir: runtime.config.backupDir,
            fileLimits: runtime.config.fileLimits,
          });
          print(
            `tenant:           ${h.tenant.id} (${h.tenant.status}${h.tenant.status_reason ? `: ${h.tenant.status_reason}` : ''})`,
          );
          print(`schema size:      ${h.schemaBytes === null ? 'missing' : humanSize(h.schemaBytes)}`);
          print(
            `backups:          ${h.backups.count}, ${h.backups.totalSize}, newest ${h.backups.newest?.createdAt.toISOString() ?? '-'}`,
          );
          print(`last maintenance: ${h.lastMaintenance?.at.toISOString() ?? '-'}`);
          const { pending, running, scheduled } = h.queueDepth;
          print(`queue:            ${pending} pending (${scheduled} of them later), ${running} running`);
          const { effective, paused, pausedQueues, queueRates, rateUse } = h.limits;
          const perQueue = Object.entries(queueRates).map(([q, r]) => `, queue ${q} ${formatRate(r)}`);
          print(
            `scheduling:       concurrency ${effective.concurrency}, weight ${effective.weight}, rate ${formatRate(effective.rate)}${perQueue.join('')}`,
          );
          const use = rateUseText(rateUse);
          if (use) print(`rate use now:     ${use}`);
          print(
            `paused:           ${paused ? 'yes' : 'no'}${pausedQueues.length > 0 ? ` (queues ${pausedQueues.join(', ')})` : ''}`,
          );
          print(`failed in 24 h:   ${h.failedLast24h}`);
          print(`cache entries:    ${h.cacheEntries ?? '-'}`);
          print(
            `files:            ${h.files ? `${h.files.count} (${humanSize(h.files.bytes)} of ${humanSize(runtime.config.fileLimits.maxBytes)})` : '-'}`,
          );
          for (const warning of h.warnings) print(`warning: ${warning}`);
        } finally {
          await store.close();
        }
      });
    });

  program
    .command('schedule')
    .description('the crontab schedule (CRONTAB_FILE)')
    .command('list')
    .description('every crontab entry with its next run (UTC)')
    .action(async () => {
      const config = parseConfig();
      const { readSchedule } = await import('../../lifecycle/schedule.ts');
      const { registry } = await import('../../tasks/index.ts');
      const entries = await readSchedule(config.crontabFile, new Date(), registry);
      printTable(
        entries.map((e) => ({
          ...e,
          payload: e.payload === null ? '' : JSON.stringify(e.payload),
          next_run: e.nextRun,
        })),
        ['expression', 'identifier', 'task', 'payload', 'next_run', 'description'],
      );
    });
}
