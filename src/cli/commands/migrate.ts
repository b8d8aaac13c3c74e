import type { Command } from 'commander';
import { parseConfig } from '../../config.ts';
import { migrateControlPlane } from '../../db/migrate.ts';
import { createLogger } from '../../logger.ts';
import { openRuntime } from '../../runtime.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply control-plane and graphile-worker migrations')
    .action(async () => {
      const config = parseConfig();
      const runtime = await openRuntime(
        config,
        createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
      );
      try {
        const { applied } = await migrateControlPlane(runtime.db, runtime.pool);
        console.log(
          applied.length ? `applied ${applied.length}: ${applied.join(', ')}` : 'control plane is up to date',
        );
      } finally {
        await runtime.close();
      }
    });
}
