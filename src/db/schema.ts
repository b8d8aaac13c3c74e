import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the control-plane tables in schema `tenantry`. */
export interface TenantryDatabase {
  'tenantry.tenants': TenantsTable;
  'tenantry.api_keys': ApiKeysTable;
}

export type TenantStatus = 'active' | 'inactive' | 'suspended';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TenantsTable {
  id: string;
  name: string;
  plan: ColumnType<string, string | undefined, string>;
  status: ColumnType<TenantStatus, TenantStatus | undefined, TenantStatus>;
  status_reason: string | null;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  owner: string | null;
  concurrency: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  tenant_id: string | null;
  name: ColumnType<string, string | undefined, string>;
  key_hash: Buffer;
  key_prefix: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
