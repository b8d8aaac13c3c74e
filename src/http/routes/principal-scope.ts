import { notFound } from '../../errors.ts';
import type { TaskRegistry } from '../../jobs/registry.ts';
import type { Principal } from '../auth.ts';

/**
 * The tenant a request is confined to: a tenant key's own; for an admin, the `tenant` filter if
 * any. A tenant key naming another tenant gets 404, as if it did not exist (the job-log routes'
 * rule).
 */
export function tenantScope(principal: Principal, tenant: string | undefined): string | undefined {
  if (principal.kind === 'admin') return tenant;
  if (tenant !== undefined && tenant !== principal.tenantId) throw notFound(`tenant ${tenant}`);
  return principal.tenantId;
}

/** The tenant a tenant key is bound to; undefined for the admin key (every tenant). */
export const ownTenant = (principal: Principal): string | undefined =>
  principal.kind === 'tenant' ? principal.tenantId : undefined;

/**
 * The tasks whose jobs the principal may not retry: for a tenant key, the admin and system tasks
 * (a retry runs the job again, and system work such as callback deliveries, exports and the
 * welcome mail is the platform's, not the tenant's to re-run); none for the admin key.
 */
export function unretryableTasks(principal: Principal, registry: TaskRegistry): readonly string[] {
  if (principal.kind === 'admin') return [];
  return registry
    .all()
    .filter((d) => d.audience !== 'tenant')
    .map((d) => d.name);
}

export const TenantFilterDescription =
  'admin keys: only this tenant; tenant keys: their own (another is 404)';
