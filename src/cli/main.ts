import module from 'node:module';
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.ts';
import { registerCacheCommands } from './commands/cache.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerFileCommands } from './commands/files.ts';
import { registerJobLogCommands } from './commands/job-logs.ts';
import { registerJobCommands } from './commands/jobs.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerServeCommands } from './commands/serve-commands.ts';
import { registerTenantCommands } from './commands/tenants.ts';
import { Interrupted } from './interrupt.ts';

// V8's compiled code (and the TypeScript Node strips) is cached on disk across runs: a warm
// start skips most of the parsing. No effect on behaviour; NODE_COMPILE_CACHE overrides the place.
module.enableCompileCache?.();

const program = new Command('tenantry')
  .description('Multi-tenant background work on PostgreSQL')
  .version(VERSION)
  // Usage errors are one line like every other failure (subcommands inherit this).
  .configureOutput({
    outputError: (text, write) =>
      write(`tenantry: ${text.replace(/^error: /, '').trimEnd()} (run with --help for usage)\n`),
  })
  .exitOverride();

registerServeCommands(program);
registerMigrateCommand(program);
registerJobCommands(program);
registerJobLogCommands(program);
registerCacheCommands(program);
registerFileCommands(program);
registerTenantCommands(program);
registerDemoCommand(program);

// Output piped into a reader that stops early (`jobs monitor --watch | head -1`): done, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** Any failure is one line on stderr and exit code 1; commander's own usage errors keep theirs. */
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof Interrupted) {
    console.error(`tenantry: ${err.message}`);
    process.exit(130);
  }
  console.error(`tenantry: ${err instanceof Error ? err.message : String(err)}${migrateHint(err)}`);
  process.exit(1);
}

/**
 * A database Tenantry has not migrated (or not up to this version) answers "relation
 * tenantry.x does not exist", which says nothing of what to do.
 */
function migrateHint(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const missing =
    (code === '42P01' || code === '3F000' || code === '42883') && /\btenantry\./.test(String(message));
  return missing ? " (the database lacks Tenantry's schema or part of it: run tenantry migrate)" : '';
}
