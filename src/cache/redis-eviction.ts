import type { Redis } from 'ioredis';
import type { Eviction } from './limits.ts';

/** Keys SCAN visits per call, and keys per UNLINK. */
const BATCH = 1000;

interface Entry {
  /** The key as stored, namespace included. */
  key: string;
  bytes: number;
  /** Seconds since Redis last saw the key used (OBJECT IDLETIME). */
  idle: number;
}

/**
 * Every key matching `globs` behind `namespace` with its size (key without the namespace and value
 * bytes, as stats counts them) and idle time, grouped by `scopeOf` of the key without the
 * namespace (keys it gives undefined are left out). Idle times are read before
 * lengths in each batch: STRLEN counts as a use in Redis before 7.2 (which has no read leaving
 * idle times alone), so one pass reads each key's idle time before anything of this sweep touched
 * it. Holds one entry per key in memory for the length of the sweep.
 */
export async function scanEntries(
  redis: Redis,
  namespace: string,
  globs: readonly string[],
  scopeOf: (key: string) => string | null | undefined,
): Promise<Map<string | null, Entry[]>> {
  const scopes = new Map<string | null, Map<string, Entry>>();
  for (const glob of globs) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', namespace + glob, 'COUNT', BATCH);
      cursor = next;
      if (keys.length === 0) continue;
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.object('IDLETIME', key);
      for (const key of keys) pipeline.strlen(key);
      const replies = (await pipeline.exec()) ?? [];
      keys.forEach((key, i) => {
        const bare = key.slice(namespace.length);
        const scope = scopeOf(bare);
        const idle = replies[i]?.[1];
        const length = replies[keys.length + i]?.[1];
        // A key that expired between SCAN and STRLEN answers 0 and is left alone.
        if (scope === undefined || typeof length !== 'number' || length === 0) return;
        const entries = scopes.get(scope) ?? new Map<string, Entry>();
        // SCAN may return a key twice while the table rehashes: the map keeps it once.
        entries.set(key, {
          key,
          bytes: Buffer.byteLength(bare, 'utf8') + length,
          idle: typeof idle === 'number' ? idle : 0,
        });
        scopes.set(scope, entries);
      });
    } while (cursor !== '0');
  }
  return new Map([...scopes].map(([scope, entries]) => [scope, [...entries.values()]]));
}

/**
 * Unlinks a scope's least recently used entries until the rest take at most `maxBytes`: the
 * most recently used that fit stay, and once one does not fit, every older one goes too (as
 * PostgreSQL's running total does). Small integer values share one idle time unless Redis runs
 * an LRU or LFU maxmemory-policy, and under LFU Redis refuses idle times: the scan's order
 * decides among those. Undefined when the scope is within the bound already.
 */
export async function trimScope(
  redis: Redis,
  scope: string | null,
  entries: Entry[],
  maxBytes: number,
): Promise<Eviction | undefined> {
  const before = entries.reduce((sum, e) => sum + e.bytes, 0);
  if (before <= maxBytes) return undefined;
  let kept = 0;
  const doomed: string[] = [];
  for (const entry of entries.toSorted((a, b) => a.idle - b.idle)) {
    if (doomed.length === 0 && kept + entry.bytes <= maxBytes) kept += entry.bytes;
    else doomed.push(entry.key);
  }
  let evicted = 0;
  for (let i = 0; i < doomed.length; i += BATCH) {
    evicted += await redis.unlink(...doomed.slice(i, i + BATCH));
  }
  return { tenant: scope, bytesBefore: before, bytesAfter: kept, evicted };
}
