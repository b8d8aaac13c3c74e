import type { Command } from 'commander';
import { withRuntime } from '../with-runtime.ts';

/** `tenantry demo`: demo tenants and jobs for a living dashboard. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('provision 3 demo tenants with clients and appointments, and dispatch a mix of jobs')
    .action(async () => {
      const { seedDemo } = await import('../../demo/seed.ts');
      await withRuntime(async ({ db, pool, config }) => {
        const tenants = await seedDemo({ db, pool, config });
        for (const t of tenants) {
          console.log(
            `${t.created ? 'provisioned' : 'reused'} ${t.id} (${t.name}, plan ${t.plan}): ` +
              `${t.clients} clients, ${t.appointments} appointments, ${t.jobs} jobs ` +
              `(quick, slow with progress, failing, delayed, export ${t.exportId})`,
          );
          console.log(`  tenant key (shown once): ${t.key}`);
        }
        const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
        console.log(
          `Open http://${host}:${config.port}/dashboard and sign in with the admin key ` +
            `(${config.dataDir}/admin.key, or TENANTRY_ADMIN_KEY) or a tenant key above. ` +
            'A running `tenantry start` (or worker) runs the jobs.',
        );
      }, 5);
    });
}
