import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CacheLock } from './contract.ts';

/** Outside both key families (`tenant_`, `central_`), so no flush, scan or stat sees a lock. */
const LOCK_PREFIX = 'tenantry:cache-lock:';

/** Deletes or extends the lock only while it still carries our token: check and act as one step. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

interface LockScripts {
  tenantryCacheUnlock(key: string, token: string): Promise<number>;
  tenantryCacheRenew(key: string, token: string, leaseMs: number): Promise<number>;
}

/**
 * `remember` locks in Redis: `SET NX PX` with a random token, so only the holder can release.
 * The lease is renewed at a third of its length while the holder computes, so a long
 * computation keeps its lock and a crashed holder's lock lapses within one lease.
 */
export class RedisLocks {
  private readonly scripts: LockScripts;

  private readonly redis: Redis;
  private readonly leaseMs: number;
  private readonly lockPrefix: string;

  /** `namespace`: the store's REDIS_KEY_PREFIX, so deployments sharing a database lock apart. */
  constructor(redis: Redis, leaseMs: number, namespace = '') {
    this.redis = redis;
    this.leaseMs = leaseMs;
    this.lockPrefix = namespace + LOCK_PREFIX;
    // defineCommand sends EVALSHA and falls back to EVAL once per connection.
    if (!('tenantryCacheUnlock' in redis)) {
      redis.defineCommand('tenantryCacheUnlock', { numberOfKeys: 1, lua: RELEASE });
      redis.defineCommand('tenantryCacheRenew', { numberOfKeys: 1, lua: RENEW });
    }
    this.scripts = redis as unknown as LockScripts;
  }

  async tryLock(key: string): Promise<CacheLock | undefined> {
    const lockKey = this.lockPrefix + key;
    const token = randomUUID();
    const reply = await this.redis.set(lockKey, token, 'PX', this.leaseMs, 'NX');
    if (reply !== 'OK') return undefined;

    const renew = setInterval(
      () => {
        this.scripts.tenantryCacheRenew(lockKey, token, this.leaseMs).then(
          (kept) => {
            if (kept === 0) clearInterval(renew);
          },
          // A failed renewal is retried at the next tick; if Redis stays away the lease lapses.
          () => {},
        );
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    // A pending renewal must not keep a finished process alive.
    renew.unref();

    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        await this.scripts.tenantryCacheUnlock(lockKey, token).catch(() => {
          // Unreachable Redis: the lease lapses by itself.
        });
      },
    };
  }
}
