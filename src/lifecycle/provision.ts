import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import { createApiKey } from '../db/api-keys.ts';
import type { Db, DbOrTrx } from '../db/database.ts';
import { createTenantSchema } from '../db/tenant-schema.ts';
import { countOwnedTenants, insertTenant, type Tenant } from '../db/tenants.ts';
import { AppError, invalid } from '../errors.ts';
import { dispatch } from '../tasks/index.ts';
import { isTenantId, TENANT_ID_MAX_LENGTH } from '../tenancy.ts';
import { characters } from '../text-length.ts';
import { recordTenantEvent } from './backup/index.ts';
import { normalizeOwner } from './owner.ts';
import { type TenantSettings, validateSettings } from './settings.ts';
import { inConnectionTransaction } from './transaction.ts';

export interface ProvisionRequest {
  /** Derived from the name when absent. */
  id?: string | undefined;
  name: string;
  plan: string;
  settings?: TenantSettings | undefined;
  owner?: string | null | undefined;
}

export interface Provisioned {
  tenant: Tenant;
  /** The plain key: shown once, only its hash is stored. */
  apiKey: string;
  apiKeyId: string;
  /** job_logs id of the welcome email. */
  welcomeJobLogId: string;
}

export interface ProvisionDeps {
  db: Db;
  config: Pick<Config, 'planLimits'>;
}

/** A slug of the name plus a random suffix, so two tenants named alike get distinct ids. */
export function deriveTenantId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, TENANT_ID_MAX_LENGTH - 7)
    .replace(/-+$/, '');
  const suffix = randomBytes(3).toString('hex');
  return slug ? `${slug}-${suffix}` : `t-${suffix}`;
}

export function planLimit(config: ProvisionDeps['config'], plan: string): number {
  const limit = config.planLimits[plan];
  if (limit === undefined) {
    throw invalid('plan', `unknown plan "${plan}"; plans are ${Object.keys(config.planLimits).join(', ')}`);
  }
  return limit;
}

/** Whether `owner` may have one more tenant on `plan`. Tenants without an owner are not limited. */
export async function canProvision(
  deps: { db: DbOrTrx; config: ProvisionDeps['config'] },
  owner: string | null | undefined,
  plan: string,
): Promise<boolean> {
  const limit = planLimit(deps.config, plan);
  if (owner === null || owner === undefined) return true;
  const owned = await countOwnedTenants(deps.db, normalizeOwner(owner), [plan]);
  return (owned.get(plan) ?? 0) < limit;
}

function checkRequest(request: ProvisionRequest): string {
  const id = request.id ?? deriveTenantId(request.name);
  if (!isTenantId(id)) {
    throw invalid(
      'id',
      `must be lowercase letters and digits in dash-separated groups, at most ${TENANT_ID_MAX_LENGTH}`,
    );
  }
  if (request.name.trim().length === 0 || characters(request.name) > 200) {
    throw invalid('name', 'must be 1-200 characters');
  }
  return id;
}

/**
 * Creates a tenant: row, schema `tenant_<id>` with its migrations, an API key, the
 * `provisioned` event and the welcome-email job, all in one transaction, so any failure
 * leaves none of them behind (the schema is transactional DDL in PostgreSQL).
 *
 * Races: the row is inserted first, so a concurrent provisioning of the same id blocks on
 * the primary key until this one ends and then fails with 409. Provisionings by one owner
 * are serialized by an advisory lock, so two of them cannot both pass the plan limit.
 */
export async function provision(deps: ProvisionDeps, request: ProvisionRequest): Promise<Provisioned> {
  const id = checkRequest(request);
  const settings = validateSettings(request.settings ?? {});
  const owner = request.owner == null ? null : normalizeOwner(request.owner);
  planLimit(deps.config, request.plan);
  try {
    return await inConnectionTransaction(deps.db, async (trx) => {
      if (owner !== null) {
        await sql`SELECT pg_advisory_xact_lock(hashtext('tenantry.provision'), hashtext(lower(${owner})))`.execute(
          trx,
        );
        if (!(await canProvision({ db: trx, config: deps.config }, owner, request.plan))) {
          throw new AppError(
            'forbidden',
            `owner ${owner} has reached the limit of ${planLimit(deps.config, request.plan)} tenants on plan ${request.plan}`,
            { reason: 'plan_limit_reached', field: 'plan' },
          );
        }
      }
      const tenant = await insertTenant(trx, { id, name: request.name, plan: request.plan, settings, owner });
      await createTenantSchema(trx, id);
      const key = await createApiKey(trx, id, 'default');
      await recordTenantEvent(trx, id, 'provisioned', { plan: request.plan, owner, api_key_id: key.id });
      const job = await dispatch(trx, 'welcome-email', {}, { tenant: id });
      return { tenant, apiKey: key.key, apiKeyId: key.id, welcomeJobLogId: job.id };
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    // 23505: the row (or, for a schema left by hand, pg_namespace) already exists.
    if (code === '23505' || code === '42P06') {
      throw new AppError('conflict', `tenant ${id} already exists`, { field: 'id' });
    }
    throw err;
  }
}
