import { Logger as WorkerLogger } from 'graphile-worker';
import { stdSerializers } from 'pino';
import type { Logger } from '../logger.ts';

/**
 * Routes graphile-worker's own log lines into our pino logger. Its meta carries errors under
 * names of its own (`error`, `fatalError`), which pino serializes only under `err`: as plain
 * objects they logged as `{}` (an Error's fields are not enumerable), so every error line
 * graphile-worker wrote (a forced shutdown, a failed fetch) said nothing of what failed.
 */
export function graphileLogger(logger: Logger): WorkerLogger {
  const base = logger.child({ component: 'graphile-worker' });
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields = Object.fromEntries(
      Object.entries({ ...scope, ...meta } as Record<string, unknown>).map(([k, v]) => [
        k,
        v instanceof Error ? stdSerializers.err(v) : v,
      ]),
    );
    if (level === 'error') base.error(fields, message);
    else if (level === 'warning') base.warn(fields, message);
    else if (level === 'info') base.info(fields, message);
    else base.debug(fields, message);
  });
}
