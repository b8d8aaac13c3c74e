import { TenantCache } from '../cache/tenant-cache.ts';
import { findTenant } from '../db/tenants.ts';
import type { TaskContext } from '../jobs/define.ts';
import type { BackupDeps } from './backup/index.ts';
import { changeStatus } from './status.ts';

/** The status_reason of a tenant a restore has paused; restore-recovery.ts looks for it. */
export const PAUSE_REASON = 'restore in progress';

/**
 * Pauses a tenant's jobs for a restore by making it inactive (the worker's tenant gate then
 * leaves its jobs queued) and returns the function that puts the previous status back. A
 * tenant that is already inactive or suspended has nothing to pause and nothing to restore,
 * except one a restore paused and never resumed (its process was killed): called under the
 * tenant's exclusive backup lock, no other restore can be running, so that pause is this one's
 * to end. Before, the next restore (a retry of the task, or the operator's) repaired the schema
 * and left the tenant inactive, "restore in progress", until someone activated it.
 */
export async function pauseTenantJobs(ctx: Pick<TaskContext, 'controlDb'>, tenantId: string) {
  const tenant = await findTenant(ctx.controlDb, tenantId);
  const leftByRestore = tenant?.status === 'inactive' && tenant.status_reason === PAUSE_REASON;
  if (tenant?.status !== 'active' && !leftByRestore) return async () => {};
  if (!leftByRestore) await changeStatus(ctx.controlDb, tenantId, 'inactive', PAUSE_REASON, ['active']);
  return async () => {
    const now = await findTenant(ctx.controlDb, tenantId);
    // An operator who changed the status meanwhile wins over the automatic resume.
    if (now?.status === 'inactive' && now.status_reason === PAUSE_REASON) {
      await changeStatus(ctx.controlDb, tenantId, 'active', null, ['inactive']);
    }
  };
}

/** BackupDeps for a lifecycle task: the worker's configuration, cache and abort signal. */
export function backupDepsFor(ctx: TaskContext): BackupDeps {
  const { config, cache, connectionString } = ctx.services;
  return {
    db: ctx.controlDb,
    connectionString,
    backupDir: config.backupDir,
    encryptionKey: config.backupEncryptionKey,
    timeoutMs: config.backupTimeoutMs,
    signal: ctx.signal,
    pauseJobs: (tenantId) => pauseTenantJobs(ctx, tenantId),
    flushCache: async (tenantId) => {
      await new TenantCache(cache, tenantId).flush();
    },
  };
}
