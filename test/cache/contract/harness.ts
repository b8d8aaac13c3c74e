import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { CacheStore } from '../../../src/cache/contract.ts';
import { TenantCache } from '../../../src/cache/tenant-cache.ts';
import { AppError } from '../../../src/errors.ts';

/** What the contract suite needs from a store under test, beyond the contract itself. */
export interface StoreHarness {
  store(): CacheStore;
  /** Moves an entry past its expiry without waiting (the suite never sleeps for a TTL). */
  expire(fullKey: string): Promise<void>;
}

/**
 * A tenant of its own for one test: stores are shared by the tests of a file (and Redis by
 * every file of the run), so each test works in a scope nobody else touches.
 */
export function freshCache(h: StoreHarness, options = {}): TenantCache {
  return new TenantCache(h.store(), `t${randomBytes(5).toString('hex')}`, options);
}

/** Asserts `work` fails as validation_failed naming `field`. */
export async function expectInvalid(work: Promise<unknown>, field: string, message?: RegExp): Promise<void> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a validation error naming ${field}`).toBeInstanceOf(AppError);
  const appError = err as AppError;
  expect(appError.code).toBe('validation_failed');
  expect(appError.extensions.field).toBe(field);
  expect(appError.message.startsWith(`${field}: `)).toBe(true);
  if (message) expect(appError.message).toMatch(message);
}
