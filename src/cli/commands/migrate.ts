import { type Command, Option } from 'commander';
import { intArg } from '../options.ts';
import { withRuntime } from '../with-runtime.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply control-plane and graphile-worker migrations, then migrate every tenant schema')
    .addOption(
      new Option('--concurrency <n>', 'tenant schemas migrated at once').argParser(intArg(1, 64)).default(4),
    )
    .option('--skip-tenants', 'only the control plane and graphile-worker')
    .action(async (opts: { concurrency: number; skipTenants?: boolean }) => {
      const [{ migrateControlPlane }, { allTenantIds }, { migrateAllTenants }, { tenantProgress }] =
        await Promise.all([
          import('../../db/migrate.ts'),
          import('../../db/tenants.ts'),
          import('../../lifecycle/migrate-tenants.ts'),
          import('../../lifecycle/progress-bar.ts'),
        ]);
      // One connection per parallel tenant, plus one for the control plane.
      await withRuntime(
        async (runtime) => {
          const { applied } = await migrateControlPlane(runtime.db, runtime.pool);
          console.log(
            applied.length
              ? `applied ${applied.length}: ${applied.join(', ')}`
              : 'control plane is up to date',
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
        },
        opts.concurrency + 1,
        { mayCreate: true },
      );
    });
}
