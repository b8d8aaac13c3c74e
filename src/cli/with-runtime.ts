import { parseConfig } from '../config.ts';
import type { Runtime } from '../runtime.ts';

/**
 * Operator commands: a runtime that logs only warnings, closed however the command ends.
 * The database side is imported here, when a command runs, so declaring commands stays cheap.
 */
export async function withRuntime<T>(
  fn: (runtime: Runtime) => Promise<T>,
  poolSize = 3,
  /** Only `migrate` may set up a new embedded database; other commands need one there. */
  { mayCreate = false }: { mayCreate?: boolean } = {},
): Promise<T> {
  const config = parseConfig();
  const [{ createLogger }, { openRuntime }] = await Promise.all([
    import('../logger.ts'),
    import('../runtime.ts'),
  ]);
  const runtime = await openRuntime(
    config,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
    { poolSize, existingOnly: !mayCreate },
  );
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
