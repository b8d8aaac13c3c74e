import { Type } from 'typebox';
import { defineTask, TenantIdField } from '../jobs/define.ts';
import { createBackup, pruneBackups } from '../lifecycle/backup/index.ts';
import { checkNamedTenant, forEachTenant } from '../lifecycle/for-each-tenant.ts';
import { backupDepsFor } from '../lifecycle/task-deps.ts';

/**
 * Backs up one tenant (payload.tenant) or every tenant, then keeps the newest `keep`.
 * A central job, so a suspended tenant is backed up too (its own jobs are held). One
 * tenant's failure does not stop the others; the job fails at the end if any failed.
 */
export const tenantBackup = defineTask({
  name: 'tenant-backup',
  // Admin keys only: the payload names the tenant, so no tenant may set it.
  audience: 'admin',
  queue: 'lifecycle',
  payload: Type.Object(
    {
      tenant: Type.Optional(TenantIdField()),
      keep: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    },
    { additionalProperties: false },
  ),
  maxAttempts: 1,
  timeoutMs: 6 * 60 * 60_000,
  checkPayload: (payload, db) => checkNamedTenant(db, payload.tenant),
  async handler(payload, ctx) {
    const deps = backupDepsFor(ctx);
    return forEachTenant(ctx, payload.tenant, 'backup', async (id) => {
      const backup = await createBackup(deps, id);
      const pruned = payload.keep ? (await pruneBackups(deps, id, payload.keep)).removed.length : 0;
      return { file: backup.fileName, size_bytes: backup.sizeBytes, pruned };
    });
  },
});
