import { Logger as WorkerLogger } from 'graphile-worker';
import type { Logger } from '../logger.ts';

/** Routes graphile-worker's own log lines into our pino logger. */
export function graphileLogger(logger: Logger): WorkerLogger {
  const base = logger.child({ component: 'graphile-worker' });
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta };
    if (level === 'error') base.error(fields, message);
    else if (level === 'warning') base.warn(fields, message);
    else if (level === 'info') base.info(fields, message);
    else base.debug(fields, message);
  });
}
