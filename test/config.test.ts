import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.ts';

describe('parseConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = parseConfig({}, '/srv/app');
    expect(config).toMatchObject({
      databaseUrl: undefined,
      host: '127.0.0.1',
      port: 3000,
      logLevel: 'info',
      redisUrl: undefined,
      dataDir: '/srv/app/.data',
      backupDir: '/srv/app/.data/backups',
      workerConcurrency: 5,
      shutdownTimeoutMs: 30_000,
      databaseIdleTimeoutMs: 300_000,
      cacheLimits: { valueBytes: 1_048_576, scopeBytes: 268_435_456 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.cacheLimits)).toBe(true);
  });

  it('reads every variable', () => {
    const config = parseConfig(
      {
        DATABASE_URL: 'postgres://u@db:5432/app',
        HOST: '0.0.0.0',
        PORT: '8080',
        LOG_LEVEL: 'DEBUG',
        TENANTRY_ADMIN_KEY: 'k'.repeat(32),
        REDIS_URL: 'redis://cache:6379',
        DATA_DIR: '/var/lib/tenantry',
        BACKUP_DIR: 'backups',
        WORKER_CONCURRENCY: '12',
        SHUTDOWN_TIMEOUT_MS: '5000',
        DATABASE_IDLE_TIMEOUT_MS: '60000',
        CACHE_VALUE_MAX_BYTES: '4096',
        CACHE_TENANT_MAX_BYTES: '1000000',
        REDIS_KEY_PREFIX: 'billing:cache:',
      },
      '/srv',
    );
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u@db:5432/app',
      host: '0.0.0.0',
      port: 8080,
      logLevel: 'debug',
      adminKey: 'k'.repeat(32),
      redisUrl: 'redis://cache:6379',
      dataDir: '/var/lib/tenantry',
      backupDir: '/srv/backups',
      workerConcurrency: 12,
      shutdownTimeoutMs: 5000,
      databaseIdleTimeoutMs: 60_000,
      cacheLimits: { valueBytes: 4096, scopeBytes: 1_000_000 },
      redisKeyPrefix: 'billing:cache:',
    });
    expect(parseConfig({}).redisKeyPrefix).toBe('');
    expect(parseConfig({}).databaseStallMs).toBe(10_000);
    expect(parseConfig({ DATABASE_STALL_MS: '0' }).databaseStallMs).toBe(0);
    expect(parseConfig({ CACHE_TENANT_MAX_BYTES: '0' }).cacheLimits.scopeBytes).toBeNull();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT: must be a whole number, got "abc"'],
    [{ PORT: '70000' }, 'PORT: must be between 0 and 65535, got 70000'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY: must be between 1 and 1000, got 0'],
    [
      { DATABASE_IDLE_TIMEOUT_MS: '10' },
      'DATABASE_IDLE_TIMEOUT_MS: must be between 1000 and 86400000, got 10',
    ],
    [{ DATABASE_STALL_MS: '3600001' }, 'DATABASE_STALL_MS: must be between 0 and 3600000, got 3600001'],
    [{ SHUTDOWN_TIMEOUT_MS: '-1' }, 'SHUTDOWN_TIMEOUT_MS: must be a whole number, got "-1"'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL: must use postgres: or postgresql:, got "mysql:"'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL: must be a URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL: must use redis: or rediss:, got "http:"'],
    [{ TENANTRY_ADMIN_KEY: 'short' }, 'TENANTRY_ADMIN_KEY: must be at least 24 characters long'],
    [{ CACHE_STORE: 'memcached' }, 'CACHE_STORE: must be postgres or redis, got "memcached"'],
    [{ CACHE_STORE: 'redis' }, 'CACHE_STORE: is redis but REDIS_URL is not set'],
    [{ BACKUP_ENCRYPTION_KEY: 'abcd' }, 'BACKUP_ENCRYPTION_KEY: must be 32 bytes'],
    [{ CACHE_VALUE_MAX_BYTES: '10' }, 'CACHE_VALUE_MAX_BYTES: must be between 1024 and 536870912, got 10'],
    [{ CACHE_TENANT_MAX_BYTES: '1MB' }, 'CACHE_TENANT_MAX_BYTES: must be a whole number, got "1MB"'],
    [
      { CACHE_TENANT_MAX_BYTES: '4096', CACHE_VALUE_MAX_BYTES: '8192' },
      'CACHE_TENANT_MAX_BYTES: must be 0 (no bound) or at least CACHE_VALUE_MAX_BYTES (8192), got 4096',
    ],
    [{ REDIS_KEY_PREFIX: 'app*' }, 'REDIS_KEY_PREFIX: must be 1-64 letters, digits or ":._-", got "app*"'],
    [{ REDIS_KEY_PREFIX: 'tenant_1' }, 'REDIS_KEY_PREFIX: must not begin with "tenant_" or "central_"'],
    [{ HOST: 'not a host' }, 'HOST: must be an IP address or a host name, got "not a host"'],
    [{ HOST: 'http://x' }, 'HOST: must be an IP address or a host name'],
    [{ MAIL_FROM: 'nobody' }, 'MAIL_FROM: must be an address or "Name <address>", got "nobody"'],
    [{ MAIL_FROM: 'A <a@b>\r\nBcc: x@y' }, 'MAIL_FROM: must be an address'],
    [
      { PLAN_SCHEDULING: 'gold:weight=4' },
      'PLAN_SCHEDULING: plan gold is not in PLAN_LIMITS (free, pro, business)',
    ],
    [
      { API_POOL_SIZE: '4', API_TENANT_CONCURRENCY: '4' },
      'API_TENANT_CONCURRENCY: must be below API_POOL_SIZE (4), or 0 for no bound, got 4',
    ],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => parseConfig(env)).toThrowError(ConfigError);
    expect(() => parseConfig(env)).toThrowError(message);
  });

  it("keeps one tenant's request bound below the API's pool", () => {
    expect(parseConfig({})).toMatchObject({ apiPoolSize: 10, apiTenantConcurrency: 4 });
    expect(parseConfig({ API_POOL_SIZE: '3' })).toMatchObject({ apiPoolSize: 3, apiTenantConcurrency: 2 });
    expect(parseConfig({ API_POOL_SIZE: '4', API_TENANT_CONCURRENCY: '0' })).toMatchObject({
      apiTenantConcurrency: 0,
    });
  });

  it('takes addresses and names a host or a sender may have', () => {
    for (const host of ['0.0.0.0', '::', '[::1]', 'localhost', 'api.internal', 'node-1.example.com']) {
      expect(parseConfig({ HOST: host }).host).toBe(host);
    }
    for (const from of ['ops@example.com', 'Tenantry Ops <ops@example.com>', '"Ops, EU" <ops@example.com>']) {
      expect(parseConfig({ MAIL_FROM: from }).mailFrom).toBe(from);
    }
  });

  it('stops the CLI with one line and exit code 1', () => {
    const result = spawnSync(process.execPath, ['bin/tenantry.js', 'migrate'], {
      env: { ...process.env, PORT: 'abc' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('tenantry: PORT: must be a whole number, got "abc"');
  });
});
