import type { Command } from 'commander';

/** `tenantry tenants …` and `tenantry schedule …`. */
export function registerTenantCommands(_program: Command): void {}
