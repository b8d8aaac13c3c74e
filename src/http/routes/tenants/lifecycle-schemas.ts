import { Type } from 'typebox';
import { NextPageToken } from '../../pagination.ts';
import { RateUse } from './limits-schemas.ts';
import { TenantId } from './schemas.ts';

export const Params = Type.Object({ id: TenantId });

const Settings = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'free-form; `timezone` (IANA), `language` (BCP 47) and `features` (map of booleans) are validated',
  examples: [{ timezone: 'Europe/Madrid', language: 'es', features: { exports: true } }],
});

/** The provisioning body; `plan` is one of the configured plans (PLAN_LIMITS). */
export const provisionBody = (plans: readonly string[]) =>
  Type.Object(
    {
      id: Type.Optional(TenantId),
      name: Type.String({ minLength: 1, maxLength: 200, examples: ['Acme Dental'] }),
      plan: Type.Unsafe<string>({ type: 'string', enum: [...plans], examples: [plans[0]] }),
      settings: Type.Optional(Settings),
      owner: Type.Optional(
        Type.Union([Type.String({ minLength: 1, maxLength: 320 }), Type.Null()], {
          description: 'compared case-insensitively for plan limits',
          examples: ['owner@example.com'],
        }),
      ),
    },
    { additionalProperties: false },
  );

export const ApiKeyCreated = Type.Object({
  id: Type.String({ examples: ['17'] }),
  key: Type.String({ description: 'shown once; only its hash is stored', examples: ['tnt_4f0c…'] }),
  prefix: Type.String({ examples: ['tnt_4f0c1a2b'] }),
});

const Stamp = Type.String({ format: 'date-time' });

export const ApiKeyList = Type.Object({
  keys: Type.Array(
    Type.Object({
      id: Type.String({ examples: ['17'] }),
      name: Type.String({ examples: ['rotation-2026-01'] }),
      prefix: Type.String({ description: 'the first characters of the key', examples: ['tnt_4f0c1a2b'] }),
      created_at: Stamp,
      last_used_at: Type.Union([Stamp, Type.Null()], {
        description: 'last authenticated request (written at most once a minute)',
      }),
      revoked_at: Type.Union([Stamp, Type.Null()], { description: 'null while the key works' }),
    }),
    { description: 'oldest first, revoked keys included; never the keys themselves' },
  ),
  next_page_token: NextPageToken,
});

export const Provisioned = Type.Object({
  tenant: Type.Ref('Tenant'),
  api_key: ApiKeyCreated,
  welcome_job_log_id: Type.String({ examples: ['42'] }),
});

export const SettingsPatch = Type.Record(Type.String(), Type.Unknown(), {
  description: 'JSON Merge Patch (RFC 7396) of the settings: objects merge, null removes a key',
  examples: [{ timezone: 'America/Bogota', features: { beta: true, legacy: null } }],
});

export const SuspendBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500, examples: ['unpaid invoice #2024-118'] }) },
  { additionalProperties: false },
);

export const DeactivateBody = Type.Optional(
  Type.Object(
    { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, examples: ['closed by owner'] })) },
    { additionalProperties: false },
  ),
);

export const Accepted = Type.Object({ job_log_id: Type.String({ examples: ['1234'] }) });

export const BackupJson = Type.Object({
  id: Type.String(),
  file_name: Type.String({ examples: ['tenant_acme_2026-01-31_02-00-00.dump'] }),
  size_bytes: Type.Integer(),
  sha256: Type.String(),
  encrypted: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  file_missing: Type.Boolean({
    description: 'its file is not in BACKUP_DIR (deleted, a volume lost): recorded, never restorable',
  }),
});

export const BackupList = Type.Object({
  backups: Type.Array(BackupJson),
  count: Type.Integer({ description: 'backups a restore can use (their file is there)' }),
  total_size: Type.String({ examples: ['125.4 MiB'] }),
  missing: Type.Integer({ description: 'recorded backups whose file is missing' }),
  next_page_token: NextPageToken,
});

export const BackupBody = Type.Optional(
  Type.Object(
    { keep: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, examples: [7] })) },
    { additionalProperties: false },
  ),
);

export const RestoreBody = Type.Union(
  [
    Type.Object({ backup: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }),
    Type.Object({ latest: Type.Literal(true) }, { additionalProperties: false }),
  ],
  { examples: [{ latest: true }, { backup: 'tenant_acme_2026-01-31_02-00-00.dump' }] },
);

export const MaintenanceBody = Type.Object(
  {
    backup: Type.Optional(Type.Boolean()),
    keep: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    optimize: Type.Optional(
      Type.Boolean({ description: 'ANALYZE, then REINDEX CONCURRENTLY of bloated indexes' }),
    ),
    analyze: Type.Optional(Type.Boolean()),
    vacuum: Type.Optional(Type.Boolean({ description: 'VACUUM (ANALYZE); never FULL' })),
    cleanup_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500 })),
    dry_run: Type.Optional(Type.Boolean({ description: 'report counts, change nothing' })),
  },
  { additionalProperties: false, examples: [{ vacuum: true, cleanup_days: 365, dry_run: true }] },
);

export const TenantHealthJson = Type.Object({
  tenant: TenantId,
  status: Type.String({ examples: ['active'] }),
  status_reason: Type.Union([Type.String(), Type.Null()]),
  schema_bytes: Type.Union([Type.Integer(), Type.Null()]),
  backups: Type.Object({
    count: Type.Integer(),
    total_size: Type.String(),
    newest_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    oldest_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
  last_maintenance_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  queue_depth: Type.Object({
    pending: Type.Integer(),
    running: Type.Integer(),
    scheduled: Type.Integer({ description: 'of the pending, those whose run_at is still ahead' }),
  }),
  scheduling: Type.Object(
    {
      concurrency: Type.Integer({ description: 'jobs of one queue running at once, cluster-wide' }),
      weight: Type.Number(),
      rate: Type.Union([Type.Object({ limit: Type.Integer(), period_ms: Type.Integer() }), Type.Null()]),
      paused: Type.Boolean(),
      paused_queues: Type.Array(Type.String()),
      queue_rates: Type.Record(
        Type.String(),
        Type.Object({ limit: Type.Integer(), period_ms: Type.Integer() }),
        { description: 'queues with a rate limit of their own, on top of the tenant’s' },
      ),
      rate_use: RateUse,
    },
    {
      description:
        'what the scheduler applies now; GET /api/tenants/{id}/limits shows overrides and plan defaults',
    },
  ),
  failed_last_24h: Type.Integer(),
  cache_entries: Type.Union([Type.Integer(), Type.Null()]),
  files: Type.Union(
    [
      Type.Object({
        count: Type.Integer({ minimum: 0 }),
        bytes: Type.Integer({ minimum: 0 }),
        max_count: Type.Union([Type.Integer(), Type.Null()], { description: 'FILE_MAX_PER_TENANT' }),
        max_bytes: Type.Union([Type.Integer(), Type.Null()], { description: 'FILE_MAX_BYTES_PER_TENANT' }),
      }),
      Type.Null(),
    ],
    { description: "the tenant's stored files; null when its schema has none" },
  ),
  warnings: Type.Array(Type.String(), { examples: [['newest backup is older than 48 hours']] }),
});

export const KeyParams = Type.Object({ id: TenantId, keyId: Type.String({ pattern: '^[0-9]{1,18}$' }) });

export const KeyBody = Type.Optional(
  Type.Object(
    { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['rotation-2026-01'] })) },
    { additionalProperties: false },
  ),
);
