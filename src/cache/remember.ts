import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheStore } from './contract.ts';

/** How long a caller waits for another process's computation before computing itself. */
export const DEFAULT_REMEMBER_WAIT_MS = 10_000;

const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

/** Misses in flight in this process, per store and full key; followers share the leader's result. */
const inflight = new WeakMap<CacheStore, Map<string, Promise<string>>>();

/**
 * Returns the entry at `key`, computing and storing it on a miss, with one computation for
 * concurrent misses across every process sharing the store:
 *
 * 1. Callers in this process missing the same key share one attempt (no lock round trips).
 * 2. That attempt takes the store's lock for the key, looks again (a previous holder may have
 *    just written it), and only then computes and writes.
 * 3. A caller that does not get the lock polls the entry with backoff and retries the lock;
 *    it returns the holder's value as soon as it appears.
 *
 * If the entry still has not appeared after `waitMs` (a computation slower than that, or a
 * holder whose computation failed repeatedly), the caller computes without the lock: a
 * cache must not turn a slow computation into a failed request. A computation that throws
 * writes nothing and the error reaches this caller (and the in-process followers) only.
 */
export async function rememberText(
  store: CacheStore,
  key: string,
  ttlSeconds: number | null,
  compute: () => Promise<string>,
  waitMs = DEFAULT_REMEMBER_WAIT_MS,
): Promise<string> {
  const hit = await store.get(key);
  if (hit !== undefined) return hit;

  let flights = inflight.get(store);
  if (!flights) {
    flights = new Map();
    inflight.set(store, flights);
  }
  const running = flights.get(key);
  if (running) return running;

  const flight = computeOnce(store, key, ttlSeconds, compute, waitMs);
  flights.set(key, flight);
  const mine = flights;
  const forget = () => {
    if (mine.get(key) === flight) mine.delete(key);
  };
  flight.then(forget, forget);
  return flight;
}

async function computeOnce(
  store: CacheStore,
  key: string,
  ttlSeconds: number | null,
  compute: () => Promise<string>,
  waitMs: number,
): Promise<string> {
  const computeAndStore = async () => {
    const text = await compute();
    await store.put(key, text, ttlSeconds);
    return text;
  };
  const deadline = Date.now() + waitMs;
  let pause = FIRST_POLL_MS;
  for (;;) {
    const lock = await store.tryLock(key);
    if (lock) {
      try {
        return (await store.get(key)) ?? (await computeAndStore());
      } finally {
        await lock.release();
      }
    }
    await sleep(pause);
    pause = Math.min(pause * 2, MAX_POLL_MS);
    const found = await store.get(key);
    if (found !== undefined) return found;
    if (Date.now() >= deadline) return computeAndStore();
  }
}
