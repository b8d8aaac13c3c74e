import { setTimeout as sleep } from 'node:timers/promises';
import { TenantCache } from '../cache/tenant-cache.ts';
import { findTenant } from '../db/tenants.ts';
import { AppError } from '../errors.ts';
import type { TaskContext } from '../jobs/define.ts';
import { liveJobCounts } from '../jobs/queue-stats.ts';
import type { BackupDeps } from './backup/index.ts';
import { changeStatus, PAUSE_REASON } from './status.ts';

/** How long a restore waits for the tenant's running jobs to end once none may start. */
export const RESTORE_DRAIN_MS = 60_000;
const DRAIN_POLL_MS = 200;
/**
 * None running must hold this long: a worker learns of the pause by a notification, so one
 * may still take a queued job just after the pause (its start check then holds it back).
 */
const DRAIN_SETTLE_MS = 1000;

/**
 * Pauses a tenant's jobs for a restore by making it inactive (the worker's tenant gate then
 * leaves its jobs queued), waits for those already running to end, and returns the function
 * that puts the previous status back. A job still running when the schema is swapped would
 * commit into the copy set aside (dropped) or, after the swap, write into the restored data
 * what it read before it: half an import on top of the backup. Jobs that outlive `drainMs`
 * fail the restore before anything changed, the status put back (409: run it again once they
 * have ended, or cancel them).
 *
 * A tenant that is already inactive or suspended has nothing to pause, but jobs that started
 * before it was may still run: they are waited for all the same. One a restore paused and
 * never resumed (its process was killed) is this restore's to resume: called under the
 * tenant's exclusive backup lock, no other restore can be running.
 */
export async function pauseTenantJobs(
  ctx: Pick<TaskContext, 'controlDb'> & { signal?: AbortSignal },
  tenantId: string,
  drainMs = RESTORE_DRAIN_MS,
) {
  const tenant = await findTenant(ctx.controlDb, tenantId);
  const leftByRestore = tenant?.status === 'inactive' && tenant.status_reason === PAUSE_REASON;
  const pausing = tenant?.status === 'active' || leftByRestore;
  if (tenant?.status === 'active') {
    await changeStatus(ctx.controlDb, tenantId, 'inactive', PAUSE_REASON, ['active']);
  }
  const resume = async () => {
    if (!pausing) return;
    const now = await findTenant(ctx.controlDb, tenantId);
    // An operator who changed the status meanwhile wins over the automatic resume.
    if (now?.status === 'inactive' && now.status_reason === PAUSE_REASON) {
      await changeStatus(ctx.controlDb, tenantId, 'active', null, ['inactive']);
    }
  };
  const undo = async (err: unknown): Promise<never> => {
    await resume().catch(() => {});
    throw err;
  };
  const deadline = Date.now() + drainMs;
  let quietSince: number | undefined;
  for (;;) {
    const { running } = await liveJobCounts(ctx.controlDb, tenantId).catch(undo);
    if (running > 0) quietSince = undefined;
    else quietSince ??= Date.now();
    if (quietSince !== undefined && Date.now() - quietSince >= Math.min(DRAIN_SETTLE_MS, drainMs))
      return resume;
    if (Date.now() >= deadline && running > 0) {
      await resume();
      throw new AppError(
        'conflict',
        `${running} job${running === 1 ? '' : 's'} of tenant ${tenantId} still running after ` +
          `${drainMs / 1000} s with its jobs paused; nothing was restored: restore again once ` +
          'they have ended, or cancel them (a job whose worker died is returned to its queue by ' +
          'the heartbeat rescue, WORKER_RESCUE_AFTER_MS)',
        { reason: 'tenant_jobs_running' },
      );
    }
    // A worker shutting down ends the wait (and the restore) with the status put back.
    await sleep(DRAIN_POLL_MS, undefined, { signal: ctx.signal }).catch(undo);
  }
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
