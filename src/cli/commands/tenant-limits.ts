import type { Command } from 'commander';
import { parseRate } from '../../config.ts';
import { invalid } from '../../errors.ts';
import { assertQueueName } from '../../jobs/lanes.ts';
import type { Rate, TenantLimits } from '../../jobs/tenant-limits.ts';
import type { LimitsPatch } from '../../jobs/tenant-limits-patch.ts';
import { isTenantId } from '../../tenancy.ts';
import { printTable } from '../table.ts';
import { withRuntime } from '../with-runtime.ts';

const limitsModule = () => import('../../jobs/tenant-limits.ts');

/** A one-line error for a bad id, before any connection is made. */
function tenantId(value: string): string {
  if (!isTenantId(value)) throw invalid('id', `"${value}" is not a tenant id (lowercase letters, digits, -)`);
  return value;
}

/** `plan` (follow the plan: null), or a value `parse` accepts; anything else names the option. */
function planOr<T>(
  option: string,
  raw: string | undefined,
  parse: (raw: string) => T | undefined,
  want: string,
) {
  if (raw === undefined) return undefined;
  if (raw.trim() === 'plan') return null;
  const value = parse(raw.trim());
  if (value === undefined) throw invalid(option, `must be ${want}, or "plan" to follow the plan`);
  return value;
}

const inRange = (min: number, max: number, integer: boolean) => (raw: string) => {
  if (!(integer ? /^\d{1,7}$/ : /^\d{1,7}(\.\d{1,6})?$/).test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
};

interface LimitOptions {
  concurrency?: string;
  weight?: string;
  rate?: string;
  queueRate: string[];
  json?: boolean;
}

/** `reports=10/1m` sets a queue's own rate limit, `reports=none` removes it. */
function queueRatesOf(tenant: string, raw: readonly string[]): LimitsPatch['queueRates'] {
  const rates: Record<string, Rate | null> = {};
  for (const entry of raw) {
    const at = entry.indexOf('=');
    const queue = entry.slice(0, Math.max(0, at)).trim();
    if (at < 0 || queue === '')
      throw invalid('--queue-rate', `"${entry}" is not QUEUE=N/period or QUEUE=none`);
    assertQueueName(queue, tenant, '--queue-rate');
    const value = entry.slice(at + 1).trim();
    const rate = value === 'none' ? null : parseRate(value);
    if (rate === undefined) {
      throw invalid(
        '--queue-rate',
        `${queue}: must be N/period such as 10/1m (1-1000000 per 100ms-24h), or "none"`,
      );
    }
    rates[queue] = rate;
  }
  return rates;
}

/** The patch the options ask for; checked before any connection is made. */
function patchOf(tenant: string, opts: LimitOptions): LimitsPatch {
  const patch: LimitsPatch = {};
  const concurrency = planOr(
    '--concurrency',
    opts.concurrency,
    inRange(1, 1000, true),
    'a whole number 1-1000',
  );
  if (concurrency !== undefined) patch.concurrency = concurrency;
  const weight = planOr('--weight', opts.weight, inRange(0.001, 1000, false), 'a number 0.001-1000');
  if (weight !== undefined) patch.weight = weight;
  const rate = planOr('--rate', opts.rate, parseRate, 'N/period such as 100/1m (1-1000000 per 100ms-24h)');
  if (rate !== undefined) patch.rate = rate;
  if (opts.queueRate.length > 0) patch.queueRates = queueRatesOf(tenant, opts.queueRate);
  return patch;
}

async function print(limits: TenantLimits, json: boolean | undefined): Promise<void> {
  const [{ formatRate, tenantLimitsJson }, { rateUseText }] = await Promise.all([
    limitsModule(),
    import('../../jobs/rate-use.ts'),
  ]);
  if (json) {
    console.log(JSON.stringify(tenantLimitsJson(limits), null, 2));
    return;
  }
  const { override, planDefaults, effective } = limits;
  const shown = (v: number | null) => (v === null ? '-' : String(v));
  console.log(`${limits.tenantId}: plan ${limits.plan}, ${limits.status}`);
  printTable(
    [
      {
        setting: 'concurrency',
        effective: effective.concurrency,
        override: shown(override.concurrency),
        plan: planDefaults.concurrency,
      },
      {
        setting: 'weight',
        effective: effective.weight,
        override: shown(override.weight),
        plan: planDefaults.weight,
      },
      {
        setting: 'rate',
        effective: formatRate(effective.rate),
        override: override.rate ? formatRate(override.rate) : '-',
        plan: formatRate(planDefaults.rate),
      },
    ],
    ['setting', 'effective', 'override', 'plan'],
  );
  console.log(`paused: ${limits.paused ? 'yes' : 'no'}`);
  console.log(`paused queues: ${limits.pausedQueues.length > 0 ? limits.pausedQueues.join(', ') : 'none'}`);
  const queueRates = Object.entries(limits.queueRates).map(([q, r]) => `${q} ${formatRate(r)}`);
  console.log(`queue rates: ${queueRates.length > 0 ? queueRates.join(', ') : 'none'}`);
  const use = rateUseText(limits.rateUse);
  if (use) console.log(`rate use now: ${use}`);
}

/** `tenantry tenants limits|pause|resume`: the fair scheduler's per-tenant controls. */
export function registerTenantLimitCommands(tenants: Command): void {
  tenants
    .command('limits <id>')
    .description("print a tenant's scheduling limits, or override them (effective at once)")
    .option('--concurrency <n|plan>', 'jobs of one queue running at once, 1-1000')
    .option('--weight <w|plan>', 'share of starts against competing tenants, 0.001-1000')
    .option('--rate <N/period|plan>', "starts per period, all the tenant's queues together, e.g. 100/1m")
    .option(
      '--queue-rate <queue=N/period|queue=none>',
      "one queue's own rate limit on top of the tenant's, e.g. reports=10/1m (repeatable; none removes it)",
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--json', 'print the limits as JSON (as GET /api/tenants/:id/limits)')
    .action(async (id: string, opts: LimitOptions) => {
      const tenant = tenantId(id);
      const patch = patchOf(tenant, opts);
      const { getTenantLimits, updateTenantLimits } = await limitsModule();
      await withRuntime(async ({ db }) => {
        const changed = Object.keys(patch).length > 0;
        await print(
          changed ? await updateTenantLimits(db, tenant, patch) : await getTenantLimits(db, tenant),
          opts.json,
        );
      });
    });

  for (const action of ['pause', 'resume'] as const) {
    tenants
      .command(`${action} <id>`)
      .description(
        action === 'pause'
          ? 'pause a tenant (or one of its queues): nothing new starts, running jobs finish'
          : 'resume a paused tenant (or one of its queues)',
      )
      .option('--queue <queue>', 'only this logical queue')
      .action(async (id: string, opts: { queue?: string }) => {
        const tenant = tenantId(id);
        const { assertQueueName } = await import('../../jobs/lanes.ts');
        if (opts.queue !== undefined) assertQueueName(opts.queue, tenant, '--queue');
        const { pauseTenant, resumeTenant } = await limitsModule();
        await withRuntime(async ({ db }) => {
          const limits = await (action === 'pause' ? pauseTenant : resumeTenant)(db, tenant, opts.queue);
          const what = opts.queue === undefined ? '' : ` queue ${opts.queue}`;
          const still = [limits.paused ? 'the tenant' : '', ...limits.pausedQueues.map((q) => `queue ${q}`)];
          const paused = still.filter(Boolean);
          console.log(
            `${tenant}:${what} ${action === 'pause' ? 'paused' : 'resumed'}` +
              (paused.length > 0 ? ` (paused now: ${paused.join(', ')})` : ' (nothing paused)'),
          );
        });
      });
  }
}
