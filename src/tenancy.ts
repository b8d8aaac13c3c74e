import { AsyncLocalStorage } from 'node:async_hooks';

/** A tenant id is a slug: lowercase letters and digits in dash-separated groups. */
export const TENANT_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const TENANT_ID_MAX_LENGTH = 40;

export function isTenantId(value: string): boolean {
  return value.length <= TENANT_ID_MAX_LENGTH && TENANT_ID_PATTERN.test(value);
}

/** The schema holding a tenant's data, `tenant_<id>`; always quoted where used (ids may hold `-`). */
export function tenantSchema(tenantId: string): string {
  if (!isTenantId(tenantId)) throw new Error(`invalid tenant id "${tenantId}"`);
  return `tenant_${tenantId}`;
}

export interface TenantScope {
  /** undefined in central (tenant-less) work. */
  readonly tenantId: string | undefined;
}

const storage = new AsyncLocalStorage<TenantScope>();

/** Runs `fn` with `tenantId` as the current tenant for everything it awaits. */
export function runInTenant<T>(tenantId: string | undefined, fn: () => T): T {
  return storage.run({ tenantId }, fn);
}

/** The tenant of the job or request being handled, if any. */
export function currentTenant(): string | undefined {
  return storage.getStore()?.tenantId;
}
