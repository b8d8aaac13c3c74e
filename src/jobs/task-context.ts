import type { Kysely } from 'kysely';
import { TenantCache } from '../cache/tenant-cache.ts';
import type { TenantDatabase } from '../db/tenant-database.ts';
import { TenantFiles } from '../files/tenant-files.ts';
import type { Logger } from '../logger.ts';
import { tenantSchema } from '../tenancy.ts';
import type { JobInfo, TaskContext } from './define.ts';
import type { ExecutionDeps } from './execute.ts';
import { withoutNul } from './log-batch.ts';

/** The `ctx` a handler receives. */
export function taskContext(
  deps: ExecutionDeps,
  info: JobInfo,
  tenantId: string | undefined,
  signal: AbortSignal,
): TaskContext {
  // Built on first use: most handlers touch few of these, and no-op jobs none.
  let logger: Logger | undefined;
  let scoped: Kysely<TenantDatabase> | undefined;
  let cache: TenantCache | undefined;
  let files: TenantFiles | undefined;
  return {
    tenantId,
    job: info,
    get logger(): Logger {
      logger ??= deps.logger.child({ tenant: tenantId, job: info.id, jobLog: info.logId, task: info.task });
      return logger;
    },
    signal,
    controlDb: deps.db,
    services: deps.services,
    get cache(): TenantCache {
      cache ??= new TenantCache(deps.services.cache, tenantId);
      return cache;
    },
    get db(): Kysely<TenantDatabase> {
      if (tenantId === undefined)
        throw new Error(`task ${info.task} runs without a tenant; it has no tenant schema`);
      scoped ??= deps.tenantDb.withSchema(tenantSchema(tenantId));
      return scoped;
    },
    get files(): TenantFiles {
      if (tenantId === undefined) throw new Error(`task ${info.task} runs without a tenant; it has no files`);
      files ??= new TenantFiles(deps.db, tenantId, deps.services.config.fileLimits);
      return files;
    },
    progress(percent, step) {
      const progress = Math.max(0, Math.min(100, Math.round(Number(percent) || 0)));
      deps.writer.note(
        info.logId,
        step === undefined ? { progress } : { progress, step: withoutNul(String(step)).slice(0, 500) },
      );
    },
  };
}
