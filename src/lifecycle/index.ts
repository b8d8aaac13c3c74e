/**
 * The tenant lifecycle: provisioning, status and settings, backups and restores (backup/),
 * maintenance. HTTP routes, CLI commands and tasks are thin layers over these functions.
 */
export type { ProvisionDeps, Provisioned, ProvisionRequest } from './provision.ts';
export { canProvision, deriveTenantId, provision } from './provision.ts';
export type { TenantSettings } from './settings.ts';
export { applySettingsPatch, mergePatch, validateSettings } from './settings.ts';
export { changeStatus, setActive, suspend, updateSettings } from './status.ts';
export { inConnectionTransaction } from './transaction.ts';
