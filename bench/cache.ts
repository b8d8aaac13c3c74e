// Tenant cache throughput and latency: 16 concurrent callers over 100,000 keys of ~200-byte
// values, for PostgresStore and RedisStore through TenantCache (validation and JSON included),
// against the physical limit measured in the same run on the same table and pool: a raw `pg`
// prepared point-select (for reads) and a raw prepared upsert (for writes).
// DATABASE_URL is required (a throwaway database is created on that server and dropped);
// without REDIS_URL the Redis figures are skipped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../src/cache/postgres-store.ts';
import { RedisStore } from '../src/cache/redis-store.ts';
import { createCacheRedis } from '../src/cache/runtime.ts';
import { TenantCache } from '../src/cache/tenant-cache.ts';
import { createDb, createPool } from '../src/db/database.ts';
import { migrateControlPlane } from '../src/db/migrate.ts';
import { percentile, report } from './lib/report.ts';

const CALLERS = 16;
const KEYS = 100_000;
const WARMUP_MS = 1000;
const MEASURE_MS = 5000;
const TENANT = 'bench-cache';
const PREFIX = `tenant_${TENANT}_`;

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl) throw new Error('bench:cache needs DATABASE_URL (a server it may create a database on)');

/** ~200 bytes of JSON, different per key. */
const valueFor = (i: number) => ({
  id: i,
  name: `Client ${i}`,
  email: `client${i}@example.com`,
  tags: ['vip', 'newsletter'],
  note: 'x'.repeat(50),
  updated_at: '2026-01-01T00:00:00.000Z',
});
const itemKey = () => `item:${Math.floor(Math.random() * KEYS)}`;
const counterKey = () => `counter:${Math.floor(Math.random() * KEYS)}`;

interface Result {
  opsPerSec: number;
  p50: number;
  p99: number;
}

/** CALLERS loops issuing `op` back to back; a warm-up round first, then the measured one. */
async function measure(op: () => Promise<unknown>): Promise<Result> {
  const round = async (ms: number, latencies: number[] | undefined) => {
    const end = performance.now() + ms;
    let count = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (performance.now() < end) {
          const started = performance.now();
          await op();
          latencies?.push(performance.now() - started);
          count += 1;
        }
      }),
    );
    return count;
  };
  await round(WARMUP_MS, undefined);
  const latencies: number[] = [];
  const started = performance.now();
  const count = await round(MEASURE_MS, latencies);
  const seconds = (performance.now() - started) / 1000;
  return { opsPerSec: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function fill(cache: TenantCache): Promise<void> {
  for (let start = 0; start < KEYS; start += 1000) {
    const chunk = Array.from({ length: 1000 }, (_, j) => [`item:${start + j}`, valueFor(start + j)] as const);
    await cache.putMany(new Map(chunk), 86_400);
  }
}

function cacheOps(cache: TenantCache): Record<string, () => Promise<unknown>> {
  let n = 0;
  return {
    get: () => cache.get(itemKey()),
    put: () => cache.put(itemKey(), valueFor(n++), 3600),
    increment: () => cache.increment(counterKey()),
    'remember-hit': () => cache.remember(itemKey(), 3600, () => valueFor(-1)),
  };
}

const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();
const dbName = `tenantry_bench_cache_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(dbName)}`);
const url = new URL(databaseUrl);
url.pathname = `/${dbName}`;
// One connection per caller, so the raw baseline is never queued on the pool.
const pool = createPool({ connectionString: url.toString(), max: CALLERS });
const db = createDb(pool);
const redis = redisUrl ? createCacheRedis(redisUrl) : undefined;
const redisCache = redis ? new TenantCache(new RedisStore(redis), TENANT) : undefined;

try {
  await migrateControlPlane(db, pool);
  const pgCache = new TenantCache(new PostgresStore(db), TENANT);
  process.stderr.write(`filling ${KEYS} keys of ~${JSON.stringify(valueFor(KEYS)).length} bytes\n`);
  await fill(pgCache);
  await pool.query('VACUUM ANALYZE tenantry.cache_entries');
  if (redisCache) await fill(redisCache);

  const live = '(expires_at IS NULL OR expires_at > now())';
  const raw = {
    read: {
      name: 'raw pg prepared point-select',
      op: () =>
        pool.query({
          name: 'bench-point-select',
          text: `SELECT value FROM tenantry.cache_entries WHERE key = $1 AND ${live}`,
          values: [PREFIX + itemKey()],
        }),
    },
    write: {
      name: 'raw pg prepared upsert',
      op: () =>
        pool.query({
          name: 'bench-upsert',
          text: `INSERT INTO tenantry.cache_entries (key, value, expires_at)
                 VALUES ($1, $2, now() + interval '1 hour')
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
          values: [PREFIX + itemKey(), JSON.stringify(valueFor(0))],
        }),
    },
  };
  const stores: [string, Record<string, () => Promise<unknown>>][] = [['PostgresStore', cacheOps(pgCache)]];
  if (redisCache) stores.push(['RedisStore', cacheOps(redisCache)]);
  else process.stderr.write('REDIS_URL is unset: RedisStore figures skipped\n');

  // The baselines run before and after the stores and their mean is the reference, so load
  // that drifts during the run (shared machines) weighs on both sides of each ratio alike.
  const before = { read: await measure(raw.read.op), write: await measure(raw.write.op) };
  const results = new Map<string, Map<string, Result>>();
  for (const [store, ops] of stores) {
    for (const [op, run] of Object.entries(ops)) {
      results.set(op, (results.get(op) ?? new Map()).set(store, await measure(run)));
    }
  }
  const after = { read: await measure(raw.read.op), write: await measure(raw.write.op) };
  const baseline = {
    read: (before.read.opsPerSec + after.read.opsPerSec) / 2,
    write: (before.write.opsPerSec + after.write.opsPerSec) / 2,
  };

  for (const kind of ['read', 'write'] as const) {
    report({
      bench: 'cache',
      metric: 'throughput',
      variant: raw[kind].name,
      value: baseline[kind],
      unit: 'ops/s',
    });
  }
  for (const [op, byStore] of results) {
    const kind = op === 'put' || op === 'increment' ? 'write' : 'read';
    for (const [store, result] of byStore) {
      const variant = `${store} ${op}`;
      report({
        bench: 'cache',
        metric: 'throughput',
        variant,
        value: result.opsPerSec,
        unit: 'ops/s',
        baseline: raw[kind].name,
        ratio: result.opsPerSec / baseline[kind],
      });
      report({ bench: 'cache', metric: 'latency p50', variant, value: result.p50, unit: 'ms' });
      report({ bench: 'cache', metric: 'latency p99', variant, value: result.p99, unit: 'ms' });
    }
    const pgResult = byStore.get('PostgresStore');
    const redisResult = byStore.get('RedisStore');
    if (pgResult && redisResult) {
      report({
        bench: 'cache',
        metric: 'throughput',
        variant: `PostgresStore ${op}`,
        value: pgResult.opsPerSec,
        unit: 'ops/s',
        baseline: `RedisStore ${op}`,
        ratio: pgResult.opsPerSec / redisResult.opsPerSec,
      });
    }
  }
} finally {
  await redisCache?.flush();
  await redis?.quit();
  await db.destroy();
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(dbName)} WITH (FORCE)`);
  await admin.end();
}
