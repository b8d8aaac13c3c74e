import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { findKeyByHash, hashKey } from '../../src/db/api-keys.ts';
import { findTenant } from '../../src/db/tenants.ts';
import { canProvision, deriveTenantId, type ProvisionDeps, provision } from '../../src/lifecycle/index.ts';
import { planUsage } from '../../src/lifecycle/plan-usage.ts';
import { isTenantId, tenantSchema } from '../../src/tenancy.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { jobLog } from '../helpers/worker.ts';
import { events, expectAppError, schemaNames } from './fixtures.ts';

describe('provisioning', () => {
  let tdb: TestDatabase;
  let deps: ProvisionDeps;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    deps = { db: tdb.db, config: parseConfig({ PLAN_LIMITS: 'free=1,pro=2' }) };
  });
  afterAll(() => tdb.close());

  async function leftovers(id: string) {
    const count = async (table: string) => {
      const { rows } = await sql<{ n: string }>`
        SELECT count(*) AS n FROM ${sql.table(`tenantry.${table}`)} WHERE tenant_id = ${id}`.execute(tdb.db);
      return Number(rows[0]!.n);
    };
    return {
      tenant: (await findTenant(tdb.db, id)) !== undefined,
      schemas: await schemaNames(tdb, id),
      keys: await count('api_keys'),
      events: await count('tenant_events'),
      jobs: await count('job_logs'),
    };
  }

  it('creates row, migrated schema, a working key, the event and the welcome job together', async () => {
    const result = await provision(deps, {
      id: 'acme',
      name: 'Acme',
      plan: 'pro',
      owner: 'owner@example.com',
      settings: { timezone: 'Europe/Madrid', language: 'es', features: { exports: true } },
    });

    expect(result.tenant).toMatchObject({
      id: 'acme',
      status: 'active',
      plan: 'pro',
      owner: 'owner@example.com',
    });
    expect(await schemaNames(tdb, 'acme')).toEqual(['tenant_acme']);
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM ${sql.id(tenantSchema('acme'))}.clients`.execute(tdb.db);
    expect(rows[0]!.n).toBe('0');
    const key = await findKeyByHash(tdb.db, hashKey(result.apiKey));
    expect(key).toMatchObject({ id: result.apiKeyId, tenant_id: 'acme', tenant_status: 'active' });
    expect(await events(tdb, 'acme', 'provisioned')).toEqual([
      { plan: 'pro', owner: 'owner@example.com', api_key_id: result.apiKeyId },
    ]);
    expect(await jobLog(tdb.db, result.welcomeJobLogId)).toMatchObject({
      task: 'welcome-email',
      tenant_id: 'acme',
      status: 'pending',
    });
  });

  it('leaves nothing behind when a step after the schema fails', async () => {
    // A real failure in the last step (the job dispatch), after row, schema, key and event.
    await sql`
      CREATE FUNCTION tenantry.refuse_welcome() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'mail queue unavailable'; END $$`.execute(tdb.db);
    await sql`
      CREATE TRIGGER refuse_welcome BEFORE INSERT ON tenantry.job_logs
      FOR EACH ROW WHEN (NEW.task = 'welcome-email') EXECUTE FUNCTION tenantry.refuse_welcome()`.execute(
      tdb.db,
    );
    try {
      await expect(provision(deps, { id: 'halfway', name: 'Halfway', plan: 'free' })).rejects.toThrow(
        /mail queue unavailable/,
      );
    } finally {
      await sql`DROP TRIGGER refuse_welcome ON tenantry.job_logs`.execute(tdb.db);
      await sql`DROP FUNCTION tenantry.refuse_welcome()`.execute(tdb.db);
    }
    expect(await leftovers('halfway')).toEqual({ tenant: false, schemas: [], keys: 0, events: 0, jobs: 0 });
    // The id is free again: nothing half-made blocks a retry.
    await provision(deps, { id: 'halfway', name: 'Halfway', plan: 'free' });
  });

  it('lets exactly one of two concurrent provisionings of an id succeed; the other is a conflict', async () => {
    const attempts = await Promise.allSettled([
      provision(deps, { id: 'race', name: 'Race one', plan: 'free' }),
      provision(deps, { id: 'race', name: 'Race two', plan: 'free' }),
    ]);
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const [failed] = attempts.filter((a) => a.status === 'rejected');
    await expectAppError(Promise.reject(failed!.reason), 'conflict');
    expect(await leftovers('race')).toMatchObject({
      tenant: true,
      schemas: ['tenant_race'],
      keys: 1,
      events: 1,
      jobs: 1,
    });
  });

  it('answers 409 for an existing id', async () => {
    await expectAppError(provision(deps, { id: 'acme', name: 'Again', plan: 'free' }), 'conflict');
  });

  it('enforces plan limits per owner and plan, also under concurrency', async () => {
    expect(await canProvision(deps, 'pat', 'pro')).toBe(true);
    const attempts = await Promise.allSettled(
      // One owner, spelled three ways: owners compare case-insensitively.
      [
        ['p1', 'pat'],
        ['p2', 'PAT'],
        ['p3', 'Pat'],
      ].map(([id, owner]) => provision(deps, { id: id!, name: id!, plan: 'pro', owner })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(2);
    expect(await canProvision(deps, 'pat', 'pro')).toBe(false);
    expect(await canProvision(deps, 'pat', 'free')).toBe(true);
    expect(await canProvision(deps, 'PaT', 'pro')).toBe(false);
    // Normalised as provisioning normalises it: a trailing space or a full-width letter is pat.
    expect(await canProvision(deps, 'pat ', 'pro')).toBe(false);
    expect(await canProvision(deps, '\uff30at', 'pro')).toBe(false);
    expect(await planUsage(deps.db, deps.config, ' Pat')).toEqual(
      Object.entries(deps.config.planLimits).map(([plan, limit]) => {
        const used = plan === 'pro' ? 2 : 0;
        return { plan, limit, used, remaining: limit - used, can_provision: used < limit };
      }),
    );
    await expectAppError(planUsage(deps.db, deps.config, 'pat', 'platinum'), 'validation_failed');
    await expectAppError(planUsage(deps.db, deps.config, 'pat\u200b\u200b', 'pro'), 'validation_failed');
    await expectAppError(
      provision(deps, { id: 'p4', name: 'p4', plan: 'pro', owner: 'pAt' }),
      'forbidden',
      'plan_limit_reached',
    );
    await expectAppError(provision(deps, { name: 'x', plan: 'platinum' }), 'validation_failed');
    // The same owner however it is padded or spelled in Unicode (each was a new owner before).
    for (const [id, owner] of [
      ['p5', 'pat '],
      ['p6', '\u00a0Pat'],
      ['p7', '\uff30\uff41\uff54'],
    ] as const) {
      await expectAppError(
        provision(deps, { id, name: id, plan: 'pro', owner }),
        'forbidden',
        'plan_limit_reached',
      );
    }
    for (const owner of ['pat\u200b', 'pa\u0000t', '   ']) {
      await expectAppError(
        provision(deps, { id: 'p8', name: 'p8', plan: 'pro', owner }),
        'validation_failed',
      );
    }
    expect(await leftovers('p8')).toMatchObject({ tenant: false, schemas: [] });
  });

  it('validates settings and ids before touching the database', async () => {
    await expectAppError(
      provision(deps, { id: 'tz', name: 'tz', plan: 'free', settings: { timezone: 'Mars/Olympus' } }),
      'validation_failed',
    );
    await expectAppError(provision(deps, { id: 'Bad_Id', name: 'b', plan: 'free' }), 'validation_failed');
    expect(await leftovers('tz')).toMatchObject({ tenant: false, schemas: [] });
  });

  it('derives a valid id from the name when none is given', async () => {
    const id = deriveTenantId('Clínica Dental Ñandú & Co.');
    expect(id).toMatch(/^clinica-dental-nandu-co-[0-9a-f]{6}$/);
    expect(isTenantId(deriveTenantId('!!!'))).toBe(true);
    const { tenant } = await provision(deps, { name: 'Named Only', plan: 'free' });
    expect(tenant.id).toMatch(/^named-only-[0-9a-f]{6}$/);
  });
});
