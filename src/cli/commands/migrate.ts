import { type Command, Option } from 'commander';
import { parseConfig } from '../../config.ts';
import { migrateControlPlane } from '../../db/migrate.ts';
import { allTenantIds } from '../../db/tenants.ts';
import { migrateAllTenants } from '../../lifecycle/migrate-tenants.ts';
import { tenantProgress } from '../../lifecycle/progress-bar.ts';
import { createLogger } from '../../logger.ts';
import { openRuntime } from '../../runtime.ts';
import { positiveInt } from '../options.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply control-plane and graphile-worker migrations, then migrate every tenant schema')
    .addOption(
      new Option('--concurrency <n>', 'tenant schemas migrated at once').argParser(positiveInt).default(4),
    )
    .option('--skip-tenants', 'only the control plane and graphile-worker')
    .action(async (opts: { concurrency: number; skipTenants?: boolean }) => {
      const config = parseConfig();
      // One connection per parallel tenant, plus one for the control plane.
      const runtime = await openRuntime(
        config,
        createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
        opts.concurrency + 1,
      );
      try {
        const { applied } = await migrateControlPlane(runtime.db, runtime.pool);
        console.log(
          applied.length ? `applied ${applied.length}: ${applied.join(', ')}` : 'control plane is up to date',
        );
        if (opts.skipTenants) return;
        const tenants = await allTenantIds(runtime.db);
        const progress = tenantProgress('migrate', tenants.length);
        const summary = await migrateAllTenants(runtime.db, {
          tenants,
          concurrency: opts.concurrency,
          onTenant: (o) => progress.tick(o.tenant, o.error === undefined),
        }).finally(() => progress.stop());
        console.log(
          `tenants: ${summary.tenants}, migrated ${summary.migrated}, up to date ${summary.upToDate}, failed ${summary.failed.length}`,
        );
        for (const failure of summary.failed) console.error(`  ${failure.tenant}: ${failure.error}`);
        if (summary.failed.length > 0) process.exitCode = 1;
      } finally {
        await runtime.close();
      }
    });
}
