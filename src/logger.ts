import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** Human-readable in a terminal, one JSON object per line everywhere else. */
export function createLogger(level: LogLevel, pretty = Boolean(process.stdout.isTTY)): Logger {
  return pino({
    level,
    base: { service: 'tenantry' },
    redact: { paths: ['req.headers.authorization', '*.api_key', '*.password'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
