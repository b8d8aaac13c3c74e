import type { ColumnType, Generated } from 'kysely';
import type { JobLogFeatureTables } from './schema-job-logs.ts';
import type { LifecycleTables } from './schema-lifecycle.ts';

/** Kysely's view of the control-plane tables in schema `tenantry`. */
/** The control plane: this file's tables plus those each feature declares beside its code. */
export type TenantryDatabase = CoreTables & JobLogFeatureTables & LifecycleTables;

interface CoreTables {
  'tenantry.tenants': TenantsTable;
  'tenantry.api_keys': ApiKeysTable;
  'tenantry.job_logs': JobLogsTable;
  'tenantry.idempotency_keys': IdempotencyKeysTable;
  'tenantry.workers': WorkersTable;
  'tenantry.tenant_limits': TenantLimitsTable;
  'tenantry.queue_limits': QueueLimitsTable;
}

export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export type TenantStatus = 'active' | 'inactive' | 'suspended';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TenantsTable {
  id: string;
  name: string;
  plan: ColumnType<string, string | undefined, string>;
  status: ColumnType<TenantStatus, TenantStatus | undefined, TenantStatus>;
  status_reason: string | null;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  owner: string | null;
  concurrency: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  tenant_id: string | null;
  name: ColumnType<string, string | undefined, string>;
  key_hash: Buffer;
  key_prefix: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

type Json = ColumnType<unknown, string, string>;

/** One failed attempt as job_logs.attempt_errors keeps it. */
export interface AttemptError {
  attempt: number;
  /** ISO time with offset, as jsonb renders a timestamptz. */
  at: string;
  /** pending: it was to run again; failed: it had failed for good. */
  status: 'pending' | 'failed';
  message: string;
}

export interface JobLogsTable {
  id: Generated<string>;
  tenant_id: string | null;
  job_id: string | null;
  task: string;
  queue: string;
  lane: string | null;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  progress: ColumnType<number, number | undefined, number>;
  step: string | null;
  payload: Json;
  meta: Json;
  source_type: string | null;
  source_id: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  priority: ColumnType<number, number | undefined, number>;
  run_at: ColumnType<Date, Date | string | undefined, Date | string>;
  result: ColumnType<unknown, string | null, string | null>;
  error_message: string | null;
  error_stack: string | null;
  /** Written by a trigger only (migrations/0033): the newest 25 failed attempts. */
  attempt_errors: ColumnType<AttemptError[] | null, never, never>;
  created_at: CreatedAt;
  started_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  finished_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  duration_ms: number | null;
  cancel_requested_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: Buffer;
  response: Json;
  created_at: CreatedAt;
}

export interface WorkersTable {
  id: string;
  hostname: string;
  pid: number;
  concurrency: number;
  admission_slots: ColumnType<number, number | undefined, number>;
  tenants: string[] | null;
  queues: string[] | null;
  started_at: CreatedAt;
  last_seen_at: UpdatedAt;
  stats: Json;
}

/** A queue's own rate limit, on top of its tenant's (migrations/0024). */
export interface QueueLimitsTable {
  tenant_id: string;
  queue: string;
  rate_limit: number;
  rate_period_ms: number;
  updated_at: UpdatedAt;
}

/** Per-tenant overrides of the scheduler's plan defaults (migrations/0008); NULL follows the plan. */
export interface TenantLimitsTable {
  tenant_id: string;
  concurrency: number | null;
  weight: number | null;
  rate_limit: number | null;
  rate_period_ms: number | null;
  paused: ColumnType<boolean, boolean | undefined, boolean>;
  paused_queues: ColumnType<string[], string[] | undefined, string[]>;
  updated_at: UpdatedAt;
}
