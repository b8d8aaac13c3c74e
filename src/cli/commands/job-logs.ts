import type { Command } from 'commander';

/** `tenantry jobs logs | stats` and `tenantry exports …`. */
export function registerJobLogCommands(_program: Command): void {}
