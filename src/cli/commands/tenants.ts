import { type Command, InvalidArgumentError } from 'commander';
import { parseConfig } from '../../config.ts';
import type { Tenant } from '../../db/tenants.ts';
import { notFound } from '../../errors.ts';
import { tenantIdArg } from '../options.ts';
import { printTable } from '../table.ts';
import { withRuntime } from '../with-runtime.ts';
import { registerTenantKeyCommands } from './tenant-keys.ts';
import { registerTenantLimitCommands } from './tenant-limits.ts';
import { registerTenantOperationCommands } from './tenant-operations.ts';

const lifecycle = () => import('../../lifecycle/index.ts');
const tenantRows = () => import('../../db/tenants.ts');

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"timezone":"Europe/Madrid"}\'');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

const STATUSES = ['active', 'inactive', 'suspended'];

function statusArg(value: string): string {
  if (!STATUSES.includes(value)) throw new InvalidArgumentError(`must be one of ${STATUSES.join(', ')}`);
  return value;
}

function printTenant(tenant: Tenant): void {
  console.log(JSON.stringify(tenant, null, 2));
}

/** `tenantry tenants …` and `tenantry schedule …`. */
export function registerTenantCommands(program: Command): void {
  const tenants = program
    .command('tenants')
    .description('tenant lifecycle: provision, status, limits and pauses, backups, maintenance');

  tenants
    .command('list')
    .description('every tenant, in id order')
    .option('--status <status>', 'only tenants with this status (active, inactive, suspended)', statusArg)
    .action(async (opts: { status?: string }) => {
      await withRuntime(async ({ db }) => {
        let query = db.selectFrom('tenantry.tenants').selectAll().orderBy('id');
        if (opts.status) query = query.where('status', '=', opts.status as Tenant['status']);
        const rows = await query.execute();
        printTable(rows, ['id', 'name', 'plan', 'status', 'status_reason', 'owner', 'created_at']);
      });
    });

  tenants
    .command('provision')
    .description('create a tenant: row, schema, API key (printed once), welcome email')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--plan <plan>', 'plan, limited per owner by PLAN_LIMITS')
    .option('--id <id>', 'tenant id (derived from the name when omitted)', tenantIdArg)
    .option('--owner <owner>', 'owner (an email address receives the welcome email)')
    .option('--settings <json>', 'initial settings as a JSON object', jsonObject)
    .action(
      async (opts: {
        name: string;
        plan: string;
        id?: string;
        owner?: string;
        settings?: Record<string, unknown>;
      }) => {
        const { provision } = await lifecycle();
        await withRuntime(async ({ db, config }) => {
          const result = await provision({ db, config }, opts);
          console.log(`provisioned ${result.tenant.id} (plan ${result.tenant.plan})`);
          console.log(`api key (shown once): ${result.apiKey}`);
        });
      },
    );

  tenants
    .command('plans')
    .description('the configured plans: tenants per owner (PLAN_LIMITS) and scheduling defaults')
    .action(async () => {
      const [{ planCatalog }, { formatRate }] = await Promise.all([
        import('../../lifecycle/plan-usage.ts'),
        import('../../jobs/tenant-limits.ts'),
      ]);
      const rows = planCatalog(parseConfig()).map((p) => ({
        ...p,
        concurrency: p.concurrency ?? "tenant's",
        rate: formatRate(p.rate && { limit: p.rate.limit, periodMs: p.rate.period_ms }),
      }));
      printTable(rows, ['plan', 'tenants_per_owner', 'concurrency', 'weight', 'rate']);
    });

  tenants
    .command('can-provision')
    .description("an owner's tenants per plan against PLAN_LIMITS; with --plan, exit 1 when it is full")
    .requiredOption('--owner <owner>', 'the owner, as given to provision')
    .option('--plan <plan>', 'only this plan')
    .action(async (opts: { owner: string; plan?: string }) => {
      const { planUsage } = await import('../../lifecycle/plan-usage.ts');
      await withRuntime(async ({ db, config }) => {
        const usage = await planUsage(db, config, opts.owner, opts.plan);
        printTable(
          usage.map((u) => ({ ...u, can_provision: u.can_provision ? 'yes' : 'no' })),
          ['plan', 'limit', 'used', 'remaining', 'can_provision'],
        );
        // A script asks `tenantry tenants can-provision --owner X --plan pro && …`.
        if (opts.plan && !usage[0]!.can_provision) process.exitCode = 1;
      });
    });

  tenants
    .command('show')
    .argument('<id>', 'tenant id', tenantIdArg)
    .description('one tenant as JSON')
    .action(async (id: string) => {
      const { findTenant } = await tenantRows();
      await withRuntime(async ({ db }) => {
        const tenant = await findTenant(db, id);
        if (!tenant) throw notFound(`tenant ${id}`);
        printTenant(tenant);
      });
    });

  tenants
    .command('settings')
    .argument('<id>', 'tenant id', tenantIdArg)
    .argument('[patch]', 'a JSON merge patch', jsonObject)
    .description('print the settings, or merge a JSON merge patch into them (null removes a key)')
    .action(async (id: string, patch: Record<string, unknown> | undefined) => {
      const [{ updateSettings }, { findTenant }] = await Promise.all([lifecycle(), tenantRows()]);
      await withRuntime(async ({ db }) => {
        const tenant = patch ? await updateSettings(db, id, patch) : await findTenant(db, id);
        if (!tenant) throw notFound(`tenant ${id}`);
        console.log(JSON.stringify(tenant.settings, null, 2));
      });
    });

  tenants
    .command('activate')
    .argument('<id>', 'tenant id', tenantIdArg)
    .description('activate a tenant (also lifts a suspension); its waiting jobs start')
    .action(async (id: string) => {
      const { setActive } = await lifecycle();
      await withRuntime(async ({ db }) => printStatus(await setActive(db, id, true)));
    });

  tenants
    .command('deactivate')
    .argument('<id>', 'tenant id', tenantIdArg)
    .description('deactivate an active tenant: its keys get 403 and its jobs wait')
    .option('--reason <reason>', 'shown to the tenant’s API clients')
    .action(async (id: string, opts: { reason?: string }) => {
      const { setActive } = await lifecycle();
      await withRuntime(async ({ db }) => printStatus(await setActive(db, id, false, opts.reason ?? null)));
    });

  tenants
    .command('suspend')
    .argument('<id>', 'tenant id', tenantIdArg)
    .description('suspend a tenant with a reason: its keys get 403 and its jobs wait')
    .requiredOption('--reason <reason>', 'shown to the tenant’s API clients')
    .action(async (id: string, opts: { reason: string }) => {
      const { suspend } = await lifecycle();
      await withRuntime(async ({ db }) => printStatus(await suspend(db, id, opts.reason)));
    });

  registerTenantOperationCommands(program, tenants);
  registerTenantLimitCommands(tenants);
  registerTenantKeyCommands(tenants);
}

function printStatus(tenant: Tenant): void {
  console.log(`${tenant.id}: ${tenant.status}${tenant.status_reason ? ` (${tenant.status_reason})` : ''}`);
}
