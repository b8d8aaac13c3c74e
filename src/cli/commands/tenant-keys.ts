import { type Command, InvalidArgumentError } from 'commander';
import { tenantIdArg } from '../options.ts';
import { printTable } from '../table.ts';
import { withRuntime } from '../with-runtime.ts';

const keys = () => import('../../lifecycle/keys.ts');

function keyIdArg(value: string): string {
  if (!/^\d{1,18}$/.test(value))
    throw new InvalidArgumentError('must be a key id (digits), as `keys list` shows');
  return value;
}

function nameArg(value: string): string {
  if (value.trim() === '' || value.length > 100) throw new InvalidArgumentError('must be 1-100 characters');
  return value;
}

/**
 * `tenantry tenants keys list|create|revoke`: rotation is create the new key, move the clients,
 * revoke the old one; `list` shows which keys are still used (last use) before one is revoked.
 */
export function registerTenantKeyCommands(tenants: Command): void {
  const group = tenants.command('keys').description('a tenant’s API keys: list, create, revoke');

  group
    .command('list')
    .argument('<id>', 'tenant id', tenantIdArg)
    .description('the tenant’s keys, oldest first, revoked ones included (never the keys themselves)')
    .action(async (id: string) => {
      const { listTenantKeys } = await keys();
      await withRuntime(async ({ db }) => {
        const rows = (await listTenantKeys(db, id)).map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          created_at: k.createdAt,
          last_used_at: k.lastUsedAt,
          revoked_at: k.revokedAt,
        }));
        printTable(rows, ['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at']);
      });
    });

  group
    .command('create')
    .argument('<id>', 'tenant id', tenantIdArg)
    .option('--name <name>', 'what the key is for (1-100 characters)', nameArg)
    .description('a new key for the tenant, printed once (only its hash is stored)')
    .action(async (id: string, opts: { name?: string }) => {
      const { createTenantKey } = await keys();
      await withRuntime(async ({ db }) => {
        const key = await createTenantKey(db, id, opts.name);
        console.log(`created key ${key.id} (${key.prefix}) for ${id}`);
        console.log(`api key (shown once): ${key.key}`);
      });
    });

  group
    .command('revoke')
    .argument('<id>', 'tenant id', tenantIdArg)
    .argument('<keyId>', 'key id, as `keys list` shows it', keyIdArg)
    .description('revoke one of the tenant’s keys: requests with it get 401 from then on')
    .action(async (id: string, keyId: string) => {
      const { revokeTenantKey } = await keys();
      await withRuntime(async ({ db }) => {
        await revokeTenantKey(db, id, keyId);
        console.log(`revoked key ${keyId} of ${id}`);
      });
    });
}
