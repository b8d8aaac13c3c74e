import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { isConnectionError } from '../db/errors.ts';
import type { Logger } from '../logger.ts';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/**
 * Resolves once PostgreSQL answers a query, retrying connection-level failures (refused,
 * reset, "the database system is starting up", too many connections) with capped backoff.
 * Gives up with DatabaseUnavailableError after `timeoutMs`, or at once on an error that
 * waiting cannot cure (bad credentials, missing database). `signal` ends the wait early.
 */
export async function waitForDatabase(
  pool: pg.Pool,
  { timeoutMs, logger, signal }: { timeoutMs: number; logger: Logger; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      if (attempt > 1) logger.info({ attempts: attempt }, 'PostgreSQL answers again');
      return;
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      if (Date.now() + delay > deadline) {
        throw new DatabaseUnavailableError(
          `PostgreSQL did not answer within ${Math.round(timeoutMs / 1000)} s: ${(err as Error).message}`,
        );
      }
      if (attempt === 1 || attempt % 10 === 0) {
        logger.warn({ err, attempt }, 'PostgreSQL is not answering; waiting for it');
      }
      await sleep(delay, undefined, { signal });
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
