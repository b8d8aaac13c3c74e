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
    if (level === 'error' && isReleasedQueueRace(message, meta?.error)) base.warn(fields, message);
    else if (level === 'error') base.error(fields, message);
    else if (level === 'warning') base.warn(fields, message);
    else if (level === 'info') base.info(fields, message);
    else base.debug(fields, message);
  });
}

/**
 * graphile-worker 0.18 with its local queue logs "Deactivation failed: ... Cannot background
 * something when the queue is already released" at error level on a graceful shutdown whose
 * jobs were still running: a fetch or a return of jobs raced the queue's release. The jobs are
 * given back all the same (unlocked, attempts not counted: test/shutdown.test.ts), so it is a
 * warning: at error level, every deploy tripped log-based alerting.
 */
function isReleasedQueueRace(message: string, error: unknown): boolean {
  if (!message.startsWith('Deactivation failed')) return false;
  const released = (e: unknown): boolean =>
    e instanceof AggregateError
      ? e.errors.length > 0 && e.errors.every(released)
      : e instanceof Error &&
        e.message.includes('Cannot background something when the queue is already released');
  return released(error);
}
