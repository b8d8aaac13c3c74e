import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryableConflict } from './errors.ts';

/**
 * Runs `work` again when PostgreSQL aborted it as a deadlock victim or a serialization failure:
 * both mean "the same statements may well succeed now". `work` must be a whole transaction (or
 * a single autocommit statement), so a retry repeats everything and nothing half-done remains.
 * Jittered backoff keeps the contenders from colliding again.
 */
export async function retryConflicts<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isRetryableConflict(err)) throw err;
      await sleep(Math.random() * 10 * 2 ** attempt);
    }
  }
}
