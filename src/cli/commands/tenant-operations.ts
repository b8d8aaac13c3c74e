import type { Command } from 'commander';
import { parseConfig } from '../../config.ts';
import type { TenantRunSummary } from '../../lifecycle/operator.ts';
import type { Runtime } from '../../runtime.ts';
import { interruptible } from '../interrupt.ts';
import { intArg, tenantIdArg } from '../options.ts';
import { printTable } from '../table.ts';
import { withRuntime } from '../with-runtime.ts';

// The lifecycle modules (pg_dump, encryption, maintenance SQL) load when a command runs.
const backups = () => import('../../lifecycle/backup/index.ts');
const operator = () => import('../../lifecycle/operator.ts');
const cacheRuntime = () => import('../../cache/runtime.ts');

/** Command output is the report on stdout (progress and errors go to stderr). */
const print = (line: string) => process.stdout.write(`${line}\n`);

interface Scope {
  tenant?: string;
  all?: boolean;
}

async function scopeTenants(runtime: Runtime, scope: Scope): Promise<string[]> {
  if (Boolean(scope.tenant) === Boolean(scope.all))
    throw new Error('choose exactly one of --tenant ID or --all');
  const { allTenantIds, requireTenant } = await import('../../db/tenants.ts');
  // One that does not exist is one line and exit 1, not an empty table and then an error.
  await requireTenant(runtime.db, scope.tenant);
  return scope.tenant ? [scope.tenant] : allTenantIds(runtime.db);
}

/** Prints each failure and sets a failing exit code, after the other tenants have run. */
function reportFailures(summary: TenantRunSummary<unknown>): void {
  for (const f of summary.failed) console.error(`${f.tenant}: ${f.error}`);
  if (summary.failed.length > 0) process.exitCode = 1;
}

/** The long-running operator commands: backup, restore, maintenance, health, schedule. */
export function registerTenantOperationCommands(program: Command, tenants: Command): void {
  tenants
    .command('backup')
    .description('back up one tenant or all: pg_dump -Fc, verified, checksummed, optionally encrypted')
    .option('--tenant <id>', 'one tenant', tenantIdArg)
    .option('--all', 'every tenant')
    .option('--keep <n>', 'then keep only the newest N backups of each (1 to 1000)', intArg(1, 1000))
    .option('--check', 'only check that pg_dump/pg_restore exist and match the server')
    .action(async (opts: Scope & { keep?: number; check?: boolean }) => {
      const [
        { checkBackupTools, createBackup, humanSize, pruneBackups },
        { operatorBackupDeps, runForTenants },
      ] = await Promise.all([backups(), operator()]);
      await withRuntime(async (runtime) => {
        if (opts.check) {
          const report = await checkBackupTools(runtime.db, { backupDir: runtime.config.backupDir });
          for (const tool of report.tools) print(`${tool.tool}: ${tool.found ? tool.version : 'not found'}`);
          print(`server: ${report.server.version}`);
          for (const problem of report.problems) console.error(problem);
          if (!report.ok) process.exitCode = 1;
          return;
        }
        const ids = await scopeTenants(runtime, opts);
        const summary = await interruptible('the backup', (signal) => {
          const deps = operatorBackupDeps(runtime, undefined, signal);
          return runForTenants(
            'backup',
            ids,
            async (id) => {
              const backup = await createBackup(deps, id);
              const pruned = opts.keep ? (await pruneBackups(deps, id, opts.keep)).removed.length : 0;
              return { tenant: id, file: backup.fileName, size: humanSize(backup.sizeBytes), pruned };
            },
            signal,
          );
        });
        printTable(
          summary.ok.map((r) => r.result),
          ['tenant', 'file', 'size', 'pruned'],
        );
        reportFailures(summary);
      });
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
    .action(async (tenant: string, opts: { list?: boolean; latest?: boolean; backup?: string }) => {
      if ([opts.list, opts.latest, opts.backup].filter(Boolean).length !== 1) {
        throw new Error('choose exactly one of --list, --latest or --backup FILE');
      }
      const [
        { humanSize, listBackups, restoreBackup },
        { operatorBackupDeps },
        { createCacheStore },
        { findTenant },
      ] = await Promise.all([backups(), operator(), cacheRuntime(), import('../../db/tenants.ts')]);
      await withRuntime(async (runtime) => {
        if (opts.list) {
          // As --latest does: an unknown tenant is named, not listed as having no backups.
          if (!(await findTenant(runtime.db, tenant))) throw new Error(`tenant ${tenant} was not found`);
          const backups = await listBackups({ db: runtime.db, backupDir: runtime.config.backupDir }, tenant);
          printTable(
            backups.map((b) => ({ ...b, size: humanSize(b.sizeBytes), file: b.missing ? 'MISSING' : 'ok' })),
            ['fileName', 'size', 'encrypted', 'createdAt', 'file'],
          );
          return;
        }
        const store = createCacheStore(runtime.config, { db: runtime.db });
        try {
          const source = opts.backup ? { file: opts.backup } : ({ latest: true } as const);
          const result = await interruptible(`the restore of ${tenant}`, (signal) =>
            restoreBackup(operatorBackupDeps(runtime, store, signal), tenant, source),
          );
          print(`restored ${tenant} from ${result.backup.fileName} in ${result.durationMs} ms`);
          for (const warning of result.warnings) console.error(`warning: ${warning}`);
        } finally {
          await store.close();
        }
      });
    });

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
    .action(async (opts: Scope & Record<string, unknown> & { days: number }) => {
      const options = {
        backup: opts.backup === true,
        keep: opts.keep as number | undefined,
        optimize: opts.optimize === true,
        analyze: opts.analyze === true,
        vacuum: opts.vacuum === true,
        cleanupDays: opts.cleanup ? opts.days : undefined,
        dryRun: opts.dryRun === true,
      };
      const [{ checkMaintenanceOptions, runMaintenance }, { operatorBackupDeps, runForTenants }] =
        await Promise.all([import('../../lifecycle/maintenance.ts'), operator()]);
      checkMaintenanceOptions(options);
      await withRuntime(async (runtime) => {
        const ids = await scopeTenants(runtime, opts);
        const summary = await interruptible('the maintenance', (signal) => {
          const deps = operatorBackupDeps(runtime, undefined, signal);
          return runForTenants('maintenance', ids, (id) => runMaintenance(deps, id, options), signal);
        });
        for (const { result } of summary.ok) print(JSON.stringify(result));
        reportFailures(summary);
      });
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
          const h = await tenantHealth(runtime.db, id, { cache: store, backupDir: runtime.config.backupDir });
          print(
            `tenant:           ${h.tenant.id} (${h.tenant.status}${h.tenant.status_reason ? `: ${h.tenant.status_reason}` : ''})`,
          );
          print(`schema size:      ${h.schemaBytes === null ? 'missing' : humanSize(h.schemaBytes)}`);
          print(
            `backups:          ${h.backups.count}, ${h.backups.totalSize}, newest ${h.backups.newest?.createdAt.toISOString() ?? '-'}`,
          );
          print(`last maintenance: ${h.lastMaintenance?.at.toISOString() ?? '-'}`);
          print(`queue:            ${h.queueDepth.pending} pending, ${h.queueDepth.running} running`);
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
