import { InvalidArgumentError } from 'commander';
import { isTenantId } from '../tenancy.ts';

/**
 * A whole number from `min` to `max`. Every numeric option has a bound: an unbounded one reached
 * PostgreSQL ("out of range for type bigint"), a timer (refreshing every 1 ms past 2^31 ms) or
 * the heap (a worker of a million slots) instead of being refused here, naming the option.
 */
export function intArg(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** For list options (`--limit`): at most this many rows. */
export const listLimit = intArg(1, 10_000);

/** A tenant id, as every `--tenant` takes it (a tenant that does not exist is found out later). */
export function tenantIdArg(value: string): string {
  if (!isTenantId(value))
    throw new InvalidArgumentError('must be a tenant id (lowercase letters, digits, -)');
  return value;
}

/** For repeatable options: `--tenant a --tenant b`. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
