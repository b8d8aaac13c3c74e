import { isIP } from 'node:net';
import path from 'node:path';
import { type CacheLimits, DEFAULT_CACHE_LIMITS } from './cache/limits.ts';

/**
 * Every setting Tenantry reads from the environment, parsed once at startup.
 * The object is frozen and passed explicitly; nothing else reads process.env.
 */
export interface FileLimits {
  /** FILE_MAX_BYTES: one file. */
  maxFileBytes: number;
  /** FILE_MAX_BYTES_PER_TENANT: the bytes of one tenant's files together. */
  maxBytes: number;
  /** FILE_MAX_PER_TENANT: how many files one tenant keeps. */
  maxFiles: number;
}

export interface Config {
  /** Unset means "start an embedded PostgreSQL under DATA_DIR/postgres". */
  readonly databaseUrl: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  /** Unset means "generate one on first start and keep it under DATA_DIR". */
  readonly adminKey: string | undefined;
  readonly redisUrl: string | undefined;
  readonly dataDir: string;
  readonly backupDir: string;
  readonly workerConcurrency: number;
  readonly shutdownTimeoutMs: number;
  readonly crontabFile: string;
  /** CRONTAB_FILE was set: its file missing is an error, not the default's warning. */
  readonly crontabFileNamed: boolean;
  /** Where the tenant cache lives; `redis` needs REDIS_URL. */
  readonly cacheStore: 'postgres' | 'redis';
  /** REDIS_KEY_PREFIX: the Redis store's namespace ('' none), for a Redis database shared with others. */
  readonly redisKeyPrefix: string;
  /** CACHE_VALUE_MAX_BYTES and CACHE_TENANT_MAX_BYTES (0 there: no bound). */
  readonly cacheLimits: CacheLimits;
  /** 32-byte key for AES-256-GCM encryption of backups at rest; unset keeps backups plain. */
  readonly backupEncryptionKey: Buffer | undefined;
  /** Time limit for one pg_dump or pg_restore run. */
  readonly backupTimeoutMs: number;
  /** SMTP transport URL; unset means mail is logged as JSON instead of sent. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** The context-processing service of the process-company-context task. */
  readonly aiEndpointUrl: string | undefined;
  readonly aiTimeoutMs: number;
  /** A worker not heard from for this long is dead; its locked jobs are released for retry. */
  readonly workerRescueAfterMs: number;
  /** How long a process waits for PostgreSQL to answer (at start, and after losing it) before it exits 1. */
  readonly databaseWaitMs: number;
  /**
   * DATABASE_IDLE_TIMEOUT_MS: how long a pooled connection may sit idle before it is closed. A new
   * connection's first statements are compiled and planned anew (a dispatch: ~25 ms against 2-5),
   * so a quiet deployment keeps its connections rather than opening one per request.
   */
  readonly databaseIdleTimeoutMs: number;
  /**
   * DATABASE_STALL_MS: a query that has heard nothing from the server for this long is checked on
   * a fresh connection, and its connection destroyed when the server is unreachable or its
   * session is gone or idle (src/db/stall-watch.ts); 0 turns the check off.
   */
  readonly databaseStallMs: number;
  /** Finished exports are removed after this long. */
  readonly exportTtlHours: number;
  /** Per tenant: exports waiting or running at once, and bytes of files kept. */
  readonly exportQuota: Readonly<{ maxActive: number; maxBytes: number }>;
  /** Tenant files: largest file, and per tenant the bytes and the number of files kept. */
  readonly fileLimits: Readonly<FileLimits>;
  /** Permanent failures in the last hour above this raise the failure alert. */
  readonly failedJobsAlertThreshold: number;
  readonly alertWebhookUrl: string | undefined;
  readonly alertEmail: string | undefined;
  /** Completion callbacks may target private addresses (tests, internal networks). */
  readonly callbackAllowPrivate: boolean;
  /** Tenants one owner may have per plan. */
  readonly planLimits: Readonly<Record<string, number>>;
  /** PLAN_SCHEDULING: per plan, the fair scheduler's defaults (src/jobs/plan-limits.ts). */
  readonly planScheduling: Readonly<Record<string, PlanScheduling>>;
  /** SCHEDULER_BUFFER: jobs admitted ahead per worker slot (graphile-worker's queue stays short). */
  readonly schedulerBuffer: number;
  /** TENANT_MAX_BUSY_QUEUES: queues one tenant may have work in at once (migrations/0040). */
  readonly tenantMaxBusyQueues: number;
  /** TENANT_MAX_PENDING_JOBS: jobs a tenant may have waiting; a dispatch past it is 429 (migrations/0043); 0: no bound. */
  readonly tenantMaxPendingJobs: number;
  /** SCHEDULER_TICK_MS: how often each worker admits delayed jobs and rate-limit refills. */
  readonly schedulerTickMs: number;
  /** RECONCILE_INTERVAL_MS: how often a worker checks the lanes' accounting (and repairs it). */
  readonly reconcileIntervalMs: number;
  /** QUEUE_UPKEEP_MS: at most how often the cluster vacuums the queue tables (0: never; migrations/0016). */
  readonly queueUpkeepMs: number;
  /** Failed authentications per client address and minute before 429; 0 disables the limit. */
  readonly authFailureLimit: number;
  /** API_TENANT_CONCURRENCY: requests of one tenant an API process handles at once, the rest wait (0: no bound; src/http/tenant-slots.ts). */
  readonly apiTenantConcurrency: number;
  /** API_POOL_SIZE: database connections of an API process's own pool (src/cli/serve.ts). */
  readonly apiPoolSize: number;
  /** API_STATEMENT_TIMEOUT_MS: the longest statement an API request may run (0: no bound; the API's own pool, src/cli/serve.ts). */
  readonly apiStatementTimeoutMs: number;
  /** Largest job payload, meta and result, as UTF-8 JSON bytes. */
  readonly jobLimits: Readonly<{ payloadBytes: number; metaBytes: number; resultBytes: number }>;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.variable = variable;
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Empty strings count as unset, as they do in most .env tooling. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL such as ${protocols[0]}//host:port/..., got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function logLevel(env: Env): LogLevel {
  const raw = read(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return raw as LogLevel;
}

function adminKey(env: Env): string | undefined {
  const raw = read(env, 'TENANTRY_ADMIN_KEY');
  if (raw !== undefined && raw.length < 24) {
    throw new ConfigError('TENANTRY_ADMIN_KEY', 'must be at least 24 characters long');
  }
  return raw;
}

function cacheStore(env: Env, redisUrl: string | undefined): 'postgres' | 'redis' {
  const raw = read(env, 'CACHE_STORE')?.toLowerCase() ?? 'postgres';
  if (raw !== 'postgres' && raw !== 'redis') {
    throw new ConfigError('CACHE_STORE', `must be postgres or redis, got "${raw}"`);
  }
  if (raw === 'redis' && !redisUrl) throw new ConfigError('CACHE_STORE', 'is redis but REDIS_URL is not set');
  return raw;
}

/**
 * Letters, digits and `:._-` only: none of them is special in a Redis glob, so the prefix can lead a
 * SCAN pattern as it is. It may not begin like a scope (`tenant_`, `central_`), or a store without
 * a prefix in the same database would read its keys as a tenant's.
 */
function redisKeyPrefix(env: Env): string {
  const raw = read(env, 'REDIS_KEY_PREFIX') ?? '';
  if (raw !== '' && !/^[A-Za-z0-9:._-]{1,64}$/.test(raw))
    throw new ConfigError('REDIS_KEY_PREFIX', `must be 1-64 letters, digits or ":._-", got "${raw}"`);
  if (raw.startsWith('tenant_') || raw.startsWith('central_'))
    throw new ConfigError('REDIS_KEY_PREFIX', `must not begin with "tenant_" or "central_", got "${raw}"`);
  return raw;
}

/** A bound below the largest value would evict such a value at the next sweep: refused. */
function cacheLimits(env: Env): CacheLimits {
  const valueBytes = integer(
    env,
    'CACHE_VALUE_MAX_BYTES',
    DEFAULT_CACHE_LIMITS.valueBytes,
    1024,
    512 * 1024 * 1024,
  );
  const scopeBytes =
    integer(
      env,
      'CACHE_TENANT_MAX_BYTES',
      DEFAULT_CACHE_LIMITS.scopeBytes ?? 0,
      0,
      Number.MAX_SAFE_INTEGER,
    ) || null;
  if (scopeBytes !== null && scopeBytes < valueBytes) {
    throw new ConfigError(
      'CACHE_TENANT_MAX_BYTES',
      `must be 0 (no bound) or at least CACHE_VALUE_MAX_BYTES (${valueBytes}), got ${scopeBytes}`,
    );
  }
  return Object.freeze({ valueBytes, scopeBytes });
}

/** 64 hex digits or base64 of 32 bytes. */
function encryptionKey(env: Env): Buffer | undefined {
  const raw = read(env, 'BACKUP_ENCRYPTION_KEY');
  if (raw === undefined) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('BACKUP_ENCRYPTION_KEY', 'must be 32 bytes, as 64 hex digits or base64');
  }
  return key;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** `free=1,pro=5,business=50`: the default, and the format of PLAN_LIMITS. */
function parsePlanLimits(env: Env): Readonly<Record<string, number>> {
  const raw = read(env, 'PLAN_LIMITS') ?? 'free=1,pro=5,business=50';
  const limits: Record<string, number> = {};
  for (const part of raw.split(',')) {
    const match = /^\s*([a-z][a-z0-9_-]*)\s*=\s*(\d+)\s*$/.exec(part);
    if (!match) throw new ConfigError('PLAN_LIMITS', `must look like free=1,pro=5,business=50, got "${raw}"`);
    limits[match[1]!] = Number(match[2]);
  }
  return Object.freeze(limits);
}

export interface PlanScheduling {
  concurrency?: number;
  weight?: number;
  rate?: { limit: number; periodMs: number };
}

const PERIOD_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `N/<period>` with the period in ms, s, m or h, e.g. `100/1m`. */
export function parseRate(raw: string): { limit: number; periodMs: number } | undefined {
  const match = /^\s*(\d{1,7})\s*\/\s*(\d{1,8})\s*(ms|s|m|h)\s*$/.exec(raw);
  if (!match) return undefined;
  const limit = Number(match[1]);
  const periodMs = Number(match[2]) * PERIOD_UNITS[match[3]!]!;
  if (limit < 1 || limit > 1_000_000 || periodMs < 100 || periodMs > 86_400_000) return undefined;
  return { limit, periodMs };
}

/** `free:concurrency=2,weight=1,rate=100/1m;pro:concurrency=10,weight=4` (all parts optional). */
function planScheduling(env: Env, known: readonly string[]): Readonly<Record<string, PlanScheduling>> {
  const raw = read(env, 'PLAN_SCHEDULING') ?? '';
  const plans: Record<string, PlanScheduling> = {};
  const fail = (why: string): never => {
    throw new ConfigError(
      'PLAN_SCHEDULING',
      `${why}; expected e.g. free:concurrency=2,weight=1,rate=100/1m;pro:weight=4`,
    );
  };
  for (const part of raw.split(';').filter((p) => p.trim() !== '')) {
    const match = /^\s*([a-z][a-z0-9_-]*)\s*:(.*)$/.exec(part);
    if (!match) fail(`"${part}" has no plan name`);
    // A plan no tenant can be provisioned on would be scheduling nobody: a typo, named here.
    if (!known.includes(match![1]!)) fail(`plan ${match![1]} is not in PLAN_LIMITS (${known.join(', ')})`);
    const plan: PlanScheduling = {};
    for (const setting of match![2]!.split(',').filter((s) => s.trim() !== '')) {
      const [key, value = ''] = setting.split('=').map((s) => s.trim());
      if (key === 'concurrency' && /^\d{1,4}$/.test(value) && +value >= 1 && +value <= 1000)
        plan.concurrency = +value;
      else if (key === 'weight' && /^\d{1,4}(\.\d+)?$/.test(value) && +value > 0 && +value <= 1000)
        plan.weight = +value;
      else if (key === 'rate' && parseRate(value)) plan.rate = parseRate(value);
      else
        fail(
          `"${setting.trim()}" in plan ${match![1]} is not concurrency=1..1000, weight=0..1000 or rate=N/period`,
        );
    }
    plans[match![1]!] = Object.freeze(plan);
  }
  return Object.freeze(plans);
}

/**
 * API_POOL_SIZE and API_TENANT_CONCURRENCY together: a bound of one tenant's requests at or above
 * the pool would let one tenant hold every connection again, which the bound exists to prevent.
 */
function apiConnections(env: Env): { apiPoolSize: number; apiTenantConcurrency: number } {
  const apiPoolSize = integer(env, 'API_POOL_SIZE', 10, 1, 1000);
  const apiTenantConcurrency = integer(env, 'API_TENANT_CONCURRENCY', Math.min(4, apiPoolSize - 1), 0, 1000);
  if (apiTenantConcurrency >= apiPoolSize) {
    throw new ConfigError(
      'API_TENANT_CONCURRENCY',
      `must be below API_POOL_SIZE (${apiPoolSize}), or 0 for no bound, got ${apiTenantConcurrency}: ` +
        'at the pool size one tenant could hold every connection',
    );
  }
  return { apiPoolSize, apiTenantConcurrency };
}

/** An IP address or a host name: anything else is named here, not as a resolver error at listen. */
function host(env: Env): string {
  const raw = read(env, 'HOST') ?? '127.0.0.1';
  const label = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
  if (isIP(raw.replace(/^\[(.*)\]$/, '$1')) === 0 && !new RegExp(`^${label}(\\.${label})*$`, 'i').test(raw)) {
    throw new ConfigError('HOST', `must be an IP address or a host name, got "${raw}"`);
  }
  return raw;
}

/** `address@host` or `Name <address@host>`, on one line: the From header of every mail. */
function mailFrom(env: Env): string {
  const raw = read(env, 'MAIL_FROM') ?? 'Tenantry <no-reply@localhost>';
  if (!/^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(raw)) {
    throw new ConfigError('MAIL_FROM', `must be an address or "Name <address>", got "${raw}"`);
  }
  return raw;
}

function email(env: Env, name: string): string | undefined {
  const raw = read(env, name);
  if (raw !== undefined && !/^[^\s@]+@[^\s@]+$/.test(raw))
    throw new ConfigError(name, `must be an email address, got "${raw}"`);
  return raw;
}

export function parseConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const dataDir = path.resolve(cwd, read(env, 'DATA_DIR') ?? '.data');
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const planLimits = parsePlanLimits(env);
  return Object.freeze({
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    host: host(env),
    port: integer(env, 'PORT', 3000, 0, 65535),
    logLevel: logLevel(env),
    adminKey: adminKey(env),
    redisUrl,
    dataDir,
    backupDir: path.resolve(cwd, read(env, 'BACKUP_DIR') ?? path.join(dataDir, 'backups')),
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', 5, 1, 1000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    crontabFile: path.resolve(cwd, read(env, 'CRONTAB_FILE') ?? 'crontab'),
    crontabFileNamed: read(env, 'CRONTAB_FILE') !== undefined,
    cacheStore: cacheStore(env, redisUrl),
    cacheLimits: cacheLimits(env),
    redisKeyPrefix: redisKeyPrefix(env),
    backupEncryptionKey: encryptionKey(env),
    backupTimeoutMs: integer(env, 'BACKUP_TIMEOUT_MS', 3_600_000, 1000, 86_400_000),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: mailFrom(env),
    aiEndpointUrl: url(env, 'AI_ENDPOINT_URL', ['http:', 'https:']),
    aiTimeoutMs: integer(env, 'AI_TIMEOUT_MS', 45_000, 100, 600_000),
    workerRescueAfterMs: integer(env, 'WORKER_RESCUE_AFTER_MS', 300_000, 500, 86_400_000),
    databaseWaitMs: integer(env, 'DATABASE_WAIT_MS', 300_000, 0, 86_400_000),
    databaseIdleTimeoutMs: integer(env, 'DATABASE_IDLE_TIMEOUT_MS', 300_000, 1_000, 86_400_000),
    databaseStallMs: integer(env, 'DATABASE_STALL_MS', 10_000, 0, 3_600_000),
    exportTtlHours: integer(env, 'EXPORT_TTL_HOURS', 168, 1, 24 * 365),
    exportQuota: Object.freeze({
      maxActive: integer(env, 'EXPORT_MAX_ACTIVE', 3, 1, 1000),
      maxBytes: integer(env, 'EXPORT_MAX_BYTES_PER_TENANT', 1_073_741_824, 1, Number.MAX_SAFE_INTEGER),
    }),
    fileLimits: Object.freeze({
      maxFileBytes: integer(env, 'FILE_MAX_BYTES', 104_857_600, 1, Number.MAX_SAFE_INTEGER),
      maxBytes: integer(env, 'FILE_MAX_BYTES_PER_TENANT', 1_073_741_824, 1, Number.MAX_SAFE_INTEGER),
      maxFiles: integer(env, 'FILE_MAX_PER_TENANT', 100_000, 1, 100_000_000),
    }),
    failedJobsAlertThreshold: integer(env, 'FAILED_JOBS_ALERT_THRESHOLD', 10, 0, 1_000_000),
    alertWebhookUrl: url(env, 'ALERT_WEBHOOK_URL', ['http:', 'https:']),
    alertEmail: email(env, 'ALERT_EMAIL'),
    callbackAllowPrivate: bool(env, 'CALLBACK_ALLOW_PRIVATE', false),
    planLimits,
    planScheduling: planScheduling(env, Object.keys(planLimits)),
    schedulerBuffer: integer(env, 'SCHEDULER_BUFFER', 20, 1, 1000),
    tenantMaxBusyQueues: integer(env, 'TENANT_MAX_BUSY_QUEUES', 16, 1, 1000),
    tenantMaxPendingJobs: integer(env, 'TENANT_MAX_PENDING_JOBS', 100_000, 0, 1_000_000_000),
    schedulerTickMs: integer(env, 'SCHEDULER_TICK_MS', 250, 10, 60_000),
    reconcileIntervalMs: integer(env, 'RECONCILE_INTERVAL_MS', 30_000, 1000, 3_600_000),
    queueUpkeepMs: integer(env, 'QUEUE_UPKEEP_MS', 500, 0, 3_600_000),
    authFailureLimit: integer(env, 'AUTH_FAILURE_LIMIT', 20, 0, 1_000_000),
    ...apiConnections(env),
    apiStatementTimeoutMs: integer(env, 'API_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    jobLimits: Object.freeze({
      payloadBytes: integer(env, 'JOB_PAYLOAD_MAX_BYTES', 65_536, 2, 4_194_304),
      metaBytes: integer(env, 'JOB_META_MAX_BYTES', 65_536, 2, 4_194_304),
      resultBytes: integer(env, 'JOB_RESULT_MAX_BYTES', 65_536, 2, 4_194_304),
    }),
  });
}
