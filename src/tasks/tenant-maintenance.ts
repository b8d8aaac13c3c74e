import { type Static, Type } from 'typebox';
import { defineTask, TenantIdField } from '../jobs/define.ts';
import { checkNamedTenant, forEachTenant } from '../lifecycle/for-each-tenant.ts';
import {
  checkMaintenanceOptions,
  type MaintenanceOptions,
  runMaintenance,
} from '../lifecycle/maintenance.ts';
import { backupDepsFor } from '../lifecycle/task-deps.ts';

const Payload = Type.Object(
  {
    tenant: Type.Optional(TenantIdField()),
    backup: Type.Optional(Type.Boolean()),
    keep: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    optimize: Type.Optional(Type.Boolean()),
    analyze: Type.Optional(Type.Boolean()),
    vacuum: Type.Optional(Type.Boolean()),
    cleanup_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500 })),
    dry_run: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const optionsOf = (payload: Static<typeof Payload>): MaintenanceOptions => ({
  backup: payload.backup,
  keep: payload.keep,
  optimize: payload.optimize,
  analyze: payload.analyze,
  vacuum: payload.vacuum,
  cleanupDays: payload.cleanup_days,
  dryRun: payload.dry_run,
});

/** VACUUM/ANALYZE/REINDEX, cleanup and backups for one tenant or all (see runMaintenance). */
export const tenantMaintenance = defineTask({
  name: 'tenant-maintenance',
  // Admin keys only: the payload names the tenant, so no tenant may set it.
  audience: 'admin',
  queue: 'lifecycle',
  payload: Payload,
  maxAttempts: 1,
  timeoutMs: 6 * 60 * 60_000,
  async checkPayload(payload, db) {
    checkMaintenanceOptions(optionsOf(payload));
    await checkNamedTenant(db, payload.tenant);
  },
  async handler(payload, ctx) {
    const options = optionsOf(payload);
    checkMaintenanceOptions(options);
    // Only a backup needs pg_dump (and so DATABASE_URL); the rest runs on the pool.
    const deps = payload.backup
      ? backupDepsFor(ctx)
      : { db: ctx.controlDb, connectionString: '', backupDir: '', timeoutMs: 0, signal: ctx.signal };
    return forEachTenant(ctx, payload.tenant, 'maintenance', (id) => runMaintenance(deps, id, options));
  },
});
