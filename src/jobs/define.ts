import { createRequire } from 'node:module';
import type { Kysely } from 'kysely';
import { type Static, type TSchema, Type } from 'typebox';
import type { Validator } from 'typebox/compile';
import type { TenantCache } from '../cache/tenant-cache.ts';
import type { Db, DbOrTrx } from '../db/database.ts';
import type { TenantDatabase } from '../db/tenant-database.ts';
import type { TenantFiles } from '../files/tenant-files.ts';
import type { Logger } from '../logger.ts';
import { TENANT_ID_MAX_LENGTH, TENANT_ID_PATTERN } from '../tenancy.ts';
import type { TaskServices } from './services.ts';

export interface JobInfo {
  /** graphile-worker job id. */
  readonly id: string;
  /** job_logs id: what the API and CLI call the job. */
  readonly logId: string;
  readonly task: string;
  readonly queue: string;
  /** 1-based; equals maxAttempts on the final attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** What a handler gets besides its payload. */
export interface TaskContext {
  /** undefined for central (tenant-less) jobs. */
  readonly tenantId: string | undefined;
  readonly job: JobInfo;
  /** Bound to tenant and job. */
  readonly logger: Logger;
  /** Fires on timeout, cancel and shutdown; long work should pass it on or check it. */
  readonly signal: AbortSignal;
  /** Scoped to the tenant's schema; throws when used by a central job. */
  readonly db: Kysely<TenantDatabase>;
  /** The control plane (schema `tenantry`). */
  readonly controlDb: Db;
  readonly services: TaskServices;
  /** The cache of the job's tenant (`central_` keys for a central job). */
  readonly cache: TenantCache;
  /** The job's tenant's files; throws when used by a central job. */
  readonly files: TenantFiles;
  /** Records progress (0-100) and the current step; writes are coalesced. */
  progress(percent: number, step?: string): void;
}

/**
 * Who may dispatch a task from outside Tenantry's own code (HTTP, CLI, dispatch on behalf of
 * a caller):
 * - `tenant`: runs in one tenant's context; a tenant key dispatches it into its own tenant, an
 *   admin key names the tenant. It always has a tenant.
 * - `admin`: central operator work (backups, restores, maintenance); admin keys only. Its
 *   payload may name a tenant, because only an admin controls it.
 * - `system`: never from outside; the crontab, database triggers and our own code dispatch it.
 */
export type TaskAudience = 'tenant' | 'admin' | 'system';

export interface TaskOptions<N extends string, S extends TSchema> {
  name: N;
  payload: S;
  /** Who may dispatch it (see TaskAudience); required so no task is exposed by default. */
  audience: TaskAudience;
  /** Attempts before the job is permanently failed (default 3). */
  maxAttempts?: number;
  /** Per attempt; the signal fires and the attempt fails when it passes (default 60 s). */
  timeoutMs?: number;
  /** Logical queue when the dispatcher names none (default `default`). */
  queue?: string;
  handler(payload: Static<S>, ctx: TaskContext): Promise<unknown>;
  /** Runs once, after the final attempt failed. */
  onFailed?(payload: Static<S>, error: Error, ctx: TaskContext): Promise<void>;
  /**
   * Runs once the handler has returned, with its result, before the job is recorded completed
   * (what it records lands with the completion). The job completes whatever the hook does: a
   * hook that throws, or is still running at the attempt's timeout, is logged, never retried,
   * since a retry would run the handler's work again.
   */
  onCompleted?(payload: Static<S>, result: unknown, ctx: TaskContext): Promise<void>;
  /**
   * What the schema cannot check, checked at dispatch: that the payload makes sense now (a tenant
   * it names exists, options that go together), so a job that can only fail is refused with a 400
   * rather than accepted and failed later. Throws an AppError naming a payload field (`backup`),
   * reported as `payload.backup`. The handler checks again when it runs: things change between.
   */
  checkPayload?(payload: Static<S>, db: DbOrTrx): Promise<void>;
}

export interface TaskDefinition<N extends string = string, S extends TSchema = TSchema>
  extends Required<Omit<TaskOptions<N, S>, 'onFailed' | 'onCompleted' | 'checkPayload'>> {
  onFailed: TaskOptions<N, S>['onFailed'];
  onCompleted: TaskOptions<N, S>['onCompleted'];
  checkPayload: TaskOptions<N, S>['checkPayload'];
  /** Compiled on first use; validates payloads at dispatch and again before the handler runs. */
  readonly check: Validator<Record<never, never>, S>;
}

/**
 * The first way `payload` fails the task's schema, as a dotted path (`items.0.name`) and a
 * message. A missing or unknown property is named in the path, so the message speaks of that
 * property (typebox's own lists every property the object lacks, under the first one's name).
 */
export function payloadProblem(
  definition: TaskDefinition,
  payload: unknown,
): { path: string; message: string } | undefined {
  if (definition.check.Check(payload)) return undefined;
  const errors = definition.check.Errors(payload);
  const first = errors[0];
  if (!first) return { path: '', message: 'does not match the task schema' };
  const parent = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const within = (name: string) => [parent, name].filter(Boolean).join('.');
  if (first.keyword === 'required') {
    const [name, ...others] = (first.params as { requiredProperties?: string[] }).requiredProperties ?? [];
    if (name !== undefined) {
      const also = others.length > 0 ? ` (also missing: ${others.map(within).join(', ')})` : '';
      return { path: within(name), message: `is required${also}` };
    }
  }
  // typebox reports an unknown property first as the `false` schema it met at that property.
  if (first.keyword === 'boolean' && first.schemaPath.endsWith('/additionalProperties')) {
    return { path: parent, message: 'is not a property this task takes' };
  }
  if (first.keyword === 'additionalProperties') {
    const [name] = (first.params as { additionalProperties?: string[] }).additionalProperties ?? [];
    if (name !== undefined) return { path: within(name), message: 'is not a property this task takes' };
  }
  // A union of literals fails once per literal: name them all.
  if (first.keyword === 'const') {
    const allowed = errors
      .filter((e) => e.keyword === 'const' && e.instancePath === first.instancePath)
      .map((e) => JSON.stringify((e.params as { allowedValue?: unknown }).allowedValue));
    return {
      path: parent,
      message: allowed.length > 1 ? `must be one of ${allowed.join(', ')}` : `must be ${allowed[0]}`,
    };
  }
  return { path: parent, message: first.message };
}

/** typebox/compile, loaded synchronously (require of an ES module) when the first schema is compiled. */
const require = createRequire(import.meta.url);
const compile = <S extends TSchema>(schema: S): Validator<Record<never, never>, S> =>
  (require('typebox/compile') as typeof import('typebox/compile')).Compile(schema);

const TASK_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * A payload field naming a row (a bigint id): bounded at dispatch, since JSON numbers past 2^53
 * are not exact and 1e300 is an integer to JSON Schema; unbounded, such a job was accepted and
 * then failed on PostgreSQL's "out of range for type bigint".
 */
export const RowId = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

/** A payload field naming a tenant (lifecycle and system tasks, which run centrally). */
export const TenantIdField = () =>
  Type.String({ pattern: TENANT_ID_PATTERN.source, maxLength: TENANT_ID_MAX_LENGTH });

/** Declares a task once: its name, payload schema and policies. The payload type follows from the schema. */
export function defineTask<const N extends string, S extends TSchema>(
  options: TaskOptions<N, S>,
): TaskDefinition<N, S> {
  if (!TASK_NAME.test(options.name)) throw new Error(`task name "${options.name}" must be kebab-case`);
  if (!['tenant', 'admin', 'system'].includes(options.audience)) {
    throw new Error(`task ${options.name}: audience must be tenant, admin or system`);
  }
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 25) {
    throw new Error(`task ${options.name}: maxAttempts must be 1-25`);
  }
  return {
    name: options.name,
    payload: options.payload,
    audience: options.audience,
    maxAttempts,
    timeoutMs: options.timeoutMs ?? 60_000,
    queue: options.queue ?? 'default',
    handler: options.handler,
    onFailed: options.onFailed,
    onCompleted: options.onCompleted,
    checkPayload: options.checkPayload,
    // Compiling every task's schema at import would put the compiler on every process's start
    // path (the CLI, the API's first answer); it is built the first time a payload is checked.
    get check() {
      Object.defineProperty(this, 'check', { value: compile(options.payload), enumerable: true });
      return this.check;
    },
  };
}
