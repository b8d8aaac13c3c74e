import { parseConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openRuntime, type Runtime } from '../runtime.ts';

/** Operator commands: a runtime that logs only warnings, closed however the command ends. */
export async function withRuntime<T>(fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const config = parseConfig();
  const runtime = await openRuntime(
    config,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
    3,
  );
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
