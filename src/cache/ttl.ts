import { invalid } from '../errors.ts';
import { describe } from './keys.ts';

/** The presets the services we replace used for short-lived reads, lists, settings and reports. */
export const CacheTtl = Object.freeze({
  /** 5 minutes. */
  short: 300,
  /** 15 minutes. */
  medium: 900,
  /** 1 hour. */
  long: 3600,
  /** 24 hours. */
  day: 86_400,
});

/** About 68 years: beyond this, ask for `forever`. Keeps seconds within a 32-bit integer everywhere. */
export const MAX_TTL_SECONDS = 2_147_483_647;

/**
 * A TTL is a whole number of seconds, at least 1. Zero is refused rather than read as
 * "forget" (Laravel) or "never expire" (cache-manager): the two libraries disagree, so
 * the caller says which they mean with `forget` or `forever`.
 */
export function validateTtl(ttlSeconds: unknown, field = 'ttlSeconds'): number {
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds)) {
    throw invalid(field, `must be a whole number of seconds, got ${describeNumber(ttlSeconds)}`);
  }
  if (ttlSeconds < 1) {
    throw invalid(field, `must be at least 1 second, got ${ttlSeconds} (use forever() for no expiry)`);
  }
  if (ttlSeconds > MAX_TTL_SECONDS) {
    throw invalid(field, `must be at most ${MAX_TTL_SECONDS} seconds, got ${ttlSeconds}`);
  }
  return ttlSeconds;
}

/**
 * The step of increment/decrement: any safe integer, so both stores add exactly what was asked
 * (the sum is exact in the store; the number returned is exact within ±(2^53 - 1)).
 */
export function validateStep(by: unknown, field = 'by'): number {
  if (typeof by !== 'number' || !Number.isSafeInteger(by)) {
    throw invalid(field, `must be a whole number, got ${describeNumber(by)}`);
  }
  return by;
}

function describeNumber(value: unknown): string {
  return typeof value === 'number' ? String(value) : describe(value);
}
