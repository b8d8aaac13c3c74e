import type { CacheStore } from '../cache/contract.ts';
import { TenantCache } from '../cache/tenant-cache.ts';
import type { Runtime } from '../runtime.ts';
import type { BackupDeps } from './backup/index.ts';
import { tenantProgress } from './progress-bar.ts';
import { pauseTenantJobs } from './task-deps.ts';

/**
 * BackupDeps for operator commands, which run the work in their own process (as the seed's
 * artisan commands did) instead of queueing a job: same pause, flush and limits as the tasks.
 */
export function operatorBackupDeps(runtime: Runtime, cache?: CacheStore, signal?: AbortSignal): BackupDeps {
  const { config } = runtime;
  return {
    db: runtime.db,
    connectionString: runtime.connectionString,
    backupDir: config.backupDir,
    encryptionKey: config.backupEncryptionKey,
    timeoutMs: config.backupTimeoutMs,
    // The command's Ctrl-C (src/cli/interrupt.ts): the tools stop and a restore is undone.
    signal,
    pauseJobs: (tenantId) => pauseTenantJobs({ controlDb: runtime.db }, tenantId),
    // Only a restore changes data under the cache; backups and maintenance need no store.
    flushCache: cache
      ? async (tenantId) => {
          await new TenantCache(cache, tenantId).flush();
        }
      : undefined,
  };
}

export interface TenantRunSummary<T> {
  ok: { tenant: string; result: T }[];
  failed: { tenant: string; error: string }[];
}

/**
 * Runs `fn` for each tenant in turn with a progress bar (on a terminal), collecting failures
 * instead of stopping at the first: one broken tenant must not cost the rest their backup.
 */
export async function runForTenants<T>(
  label: string,
  tenants: string[],
  fn: (tenant: string) => Promise<T>,
  signal?: AbortSignal,
): Promise<TenantRunSummary<T>> {
  const progress = tenantProgress(label, tenants.length);
  const summary: TenantRunSummary<T> = { ok: [], failed: [] };
  try {
    for (const tenant of tenants) {
      // Interrupted: the tenants not reached yet are left alone, not each failed in turn.
      signal?.throwIfAborted();
      try {
        summary.ok.push({ tenant, result: await fn(tenant) });
        progress.tick(tenant, true);
      } catch (err) {
        // Stopped by the signal: not this tenant's failure, and the run ends here.
        signal?.throwIfAborted();
        summary.failed.push({ tenant, error: (err as Error).message });
        progress.tick(tenant, false);
      }
    }
  } finally {
    progress.stop();
  }
  return summary;
}
