import { tenantBackup } from './tenant-backup.ts';
import { tenantMaintenance } from './tenant-maintenance.ts';
import { tenantRestore } from './tenant-restore.ts';
import { welcomeEmail } from './welcome-email.ts';

/** Tasks of the tenant lifecycle (welcome mail, backups, restore, maintenance). */
export const lifecycleTasks = [welcomeEmail, tenantBackup, tenantRestore, tenantMaintenance] as const;
