import type { Db } from '../db/database.ts';
import type { TenantStatus } from '../db/schema.ts';
import { findTenant, lockTenant, type Tenant, updateTenant } from '../db/tenants.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { characters } from '../text-length.ts';
import { recordTenantEvent } from './backup/index.ts';
import { withTenantBackupLock } from './backup/lock.ts';
import { asideSchema, recoverInterruptedRestore } from './backup/swap.ts';
import { schemaExists } from './backup/tenant.ts';
import { applySettingsPatch, type TenantSettings } from './settings.ts';

/**
 * Changes the status under a row lock and records a `status_changed` event in the same
 * transaction. The tenants trigger NOTIFYs the workers' tenant gate, so a deactivated
 * tenant's jobs stop being taken and a reactivated tenant's waiting jobs start at once.
 * Setting the status a tenant already has changes nothing and records nothing.
 */
export async function changeStatus(
  db: Db,
  id: string,
  to: TenantStatus,
  reason: string | null,
  allowedFrom: readonly TenantStatus[],
  /** Refuse (409) a tenant a restore has paused: only the restore, or one holding its lock, resumes it. */
  { unlessRestoring = false }: { unlessRestoring?: boolean } = {},
): Promise<Tenant> {
  return db.transaction().execute(async (trx) => {
    const current = await lockTenant(trx, id);
    if (!current) throw notFound(`tenant ${id}`);
    if (current.status === to && current.status_reason === reason) return current;
    if (unlessRestoring && current.status === 'inactive' && current.status_reason === PAUSE_REASON) {
      throw new AppError('conflict', `another backup or restore of tenant ${id} is in progress`, {
        reason: 'backup_in_progress',
      });
    }
    if (current.status !== to && !allowedFrom.includes(current.status)) {
      throw new AppError('conflict', `tenant ${id} is ${current.status} and cannot become ${to}`, {
        tenant_status: current.status,
      });
    }
    const updated = await updateTenant(trx, id, { status: to, status_reason: reason });
    await recordTenantEvent(trx, id, 'status_changed', { from: current.status, to, reason });
    return updated;
  });
}

/** The status_reason of a tenant a restore has paused; restore-recovery.ts looks for it. */
export const PAUSE_REASON = 'restore in progress';

/**
 * A tenant a restore paused, or whose schema a restore set aside (`__pre_restore`), is either
 * being restored now (the restore holds the tenant's backup lock) or was left so by a restore
 * that was killed. Activating it then would run its jobs and API calls on a half-restored or
 * missing schema, or while the restore waits for its running jobs to end: a running restore
 * makes the activation a 409, and a dead one's schema is put back first, the status changed
 * under the same lock. Any other tenant is activated under the lock taken shared: beside its
 * backups, but not while a restore runs, which keeps the status an operator had set (its
 * reason is not the pause's) while it waits for the tenant's running jobs and swaps the schema.
 */
async function activate(db: Db, id: string): Promise<Tenant> {
  const activateNow = (unlessRestoring: boolean) =>
    changeStatus(db, id, 'active', null, ['inactive', 'suspended'], { unlessRestoring });
  const tenant = await findTenant(db, id);
  const pausedByRestore = tenant?.status === 'inactive' && tenant.status_reason === PAUSE_REASON;
  if (!pausedByRestore && !(await schemaExists(db, asideSchema(id)))) {
    if (tenant?.status === 'active') return activateNow(true);
    return withTenantBackupLock(db, id, 'shared', 1000, () => activateNow(true));
  }
  return withTenantBackupLock(db, id, 'exclusive', 1000, async () => {
    await recoverInterruptedRestore(db, id, 5000);
    return activateNow(false);
  });
}

/** A reason shown to the tenant's API clients in the 403: trimmed, 1-500 characters. */
function checkReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed.length === 0 || characters(trimmed) > 500) throw invalid('reason', 'must be 1-500 characters');
  return trimmed;
}

/** active <-> inactive; `true` also lifts a suspension. A deactivation's reason is optional. */
export async function setActive(
  db: Db,
  id: string,
  active: boolean,
  reason: string | null = null,
): Promise<Tenant> {
  if (!active)
    return changeStatus(db, id, 'inactive', reason === null ? null : checkReason(reason), ['active']);
  return activate(db, id);
}

/** From any status; the reason is shown to the tenant's API clients in the 403. */
export async function suspend(db: Db, id: string, reason: string): Promise<Tenant> {
  return changeStatus(db, id, 'suspended', checkReason(reason), ['active', 'inactive']);
}

/** Merges `patch` into the settings (RFC 7386), validates the result, records `settings_updated`. */
export async function updateSettings(db: Db, id: string, patch: TenantSettings): Promise<Tenant> {
  return db.transaction().execute(async (trx) => {
    const current = await lockTenant(trx, id);
    if (!current) throw notFound(`tenant ${id}`);
    const settings = applySettingsPatch(current.settings, patch);
    const updated = await updateTenant(trx, id, { settings });
    await recordTenantEvent(trx, id, 'settings_updated', { patch });
    return updated;
  });
}
