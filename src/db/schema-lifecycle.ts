import type { BackupTables } from '../lifecycle/backup/types.ts';

/** Tables of the tenant lifecycle, merged into TenantryDatabase. */
export type LifecycleTables = BackupTables;
