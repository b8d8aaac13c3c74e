import { AppError, invalid } from '../errors.ts';
import { describe } from './keys.ts';

/**
 * Cache values are JSON, stored as the text `JSON.stringify` produces and read back with
 * `JSON.parse`, identically in both stores. What that means for values JSON cannot hold:
 *
 * - `Date` is stored through its `toJSON`, as an ISO-8601 string, and read back as that
 *   string, not as a Date (revive it yourself: `new Date(value.at)`).
 * - `BigInt` anywhere in the value is refused (JSON has no integer type beyond doubles);
 *   store it as a string.
 * - `undefined` as the whole value is refused (it is what `get` answers for a miss); as an
 *   object property it is dropped, as an array element it becomes `null`. Functions and
 *   symbols behave the same way.
 * - `NaN` and `±Infinity` become `null`; `Map` and `Set` become `{}`; circular structures are refused.
 * - `null` is a value like any other: `get` returns null (not the default), `has` is true,
 *   and `remember` does not recompute it.
 *
 * A refused value throws `validation_failed` naming `value`, before anything is written.
 */
export function serialize(value: unknown, field = 'value'): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw invalid(
      field,
      /BigInt/i.test(reason)
        ? 'cannot be stored as JSON: it holds a BigInt (store it as a string)'
        : `cannot be stored as JSON: ${reason}`,
    );
  }
  if (text === undefined) throw invalid(field, `cannot be stored as JSON: ${describe(value)}`);
  return text;
}

/** Text in the store is always ours; anything else means another writer shares the keyspace. */
export function deserialize<T>(text: string, key: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new AppError(
      'internal',
      `cache entry "${key}" does not hold JSON; was it written by another program?`,
    );
  }
}
