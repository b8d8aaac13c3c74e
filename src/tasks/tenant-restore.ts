import { Type } from 'typebox';
import { defineTask, TenantIdField } from '../jobs/define.ts';
import { restoreBackup } from '../lifecycle/backup/index.ts';
import { checkBackupFileName } from '../lifecycle/backup/paths.ts';
import { checkNamedTenant } from '../lifecycle/for-each-tenant.ts';
import { backupDepsFor } from '../lifecycle/task-deps.ts';

/**
 * Restores one tenant from a named backup or its latest. A central job: the restore pauses
 * the tenant's own jobs (marks it inactive) and must not be held by that pause itself.
 * One attempt: a restore is an operator's decision, not something to retry blindly.
 */
export const tenantRestore = defineTask({
  name: 'tenant-restore',
  // Admin keys only: the payload names the tenant, so no tenant may set it.
  audience: 'admin',
  queue: 'lifecycle',
  payload: Type.Object(
    {
      tenant: TenantIdField(),
      backup: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    },
    { additionalProperties: false },
  ),
  maxAttempts: 1,
  timeoutMs: 6 * 60 * 60_000,
  async checkPayload(payload, db) {
    // The name first: it needs no round trip. Whether the file exists is the handler's to find.
    if (payload.backup !== undefined) checkBackupFileName(payload.tenant, payload.backup);
    await checkNamedTenant(db, payload.tenant);
  },
  async handler(payload, ctx) {
    ctx.progress(5, `restoring ${payload.tenant}`);
    const source = payload.backup ? { file: payload.backup } : ({ latest: true } as const);
    const result = await restoreBackup(backupDepsFor(ctx), payload.tenant, source);
    return {
      tenant: payload.tenant,
      backup: result.backup.fileName,
      duration_ms: result.durationMs,
      recovered: result.recovered,
      warnings: result.warnings,
    };
  },
});
