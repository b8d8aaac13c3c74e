import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/**
 * Human-readable in a terminal, one JSON object per line everywhere else. On stdout, unless
 * `fd` is 2: a command whose stdout is its report logs to stderr.
 */
export function createLogger(level: LogLevel, pretty = Boolean(process.stdout.isTTY), fd: 1 | 2 = 1): Logger {
  const options = {
    level,
    base: { service: 'tenantry' },
    redact: {
      paths: ['req.headers.authorization', '*.api_key', '*.password', 'req.url'],
      // A file link's token is a credential until it expires: logged URLs keep the route only.
      censor: (value: unknown, path: string[]) =>
        path.at(-1) === 'url' && typeof value === 'string'
          ? value.replace(/(\/api\/shared-files\/)[^?/]+/, '$1[redacted]')
          : '[redacted]',
    },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', destination: fd } },
    });
  }
  return fd === 1 ? pino(options) : pino(options, pino.destination(2));
}
