import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { planCatalog, planUsage } from '../../../lifecycle/plan-usage.ts';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';

const PlanUsage = Type.Object(
  {
    plan: Type.String(),
    limit: Type.Integer({ description: 'tenants one owner may have on this plan (PLAN_LIMITS)' }),
    used: Type.Integer(),
    remaining: Type.Integer(),
    can_provision: Type.Boolean(),
  },
  { $id: 'PlanUsage', title: 'PlanUsage' },
);

const Plan = Type.Object(
  {
    plan: Type.String({ examples: ['pro'] }),
    tenants_per_owner: Type.Integer({ description: 'tenants one owner may have on this plan (PLAN_LIMITS)' }),
    concurrency: Type.Union([Type.Integer(), Type.Null()], {
      description:
        "jobs of one queue of a tenant at once (PLAN_SCHEDULING); null: the tenant's own (1 unless set)",
    }),
    weight: Type.Number({
      description: 'share of starts against competing tenants (PLAN_SCHEDULING, else 1)',
    }),
    rate: Type.Union(
      [
        Type.Object({ limit: Type.Integer(), period_ms: Type.Integer({ description: 'milliseconds' }) }),
        Type.Null(),
      ],
      { description: 'starts per period of each tenant (PLAN_SCHEDULING); null: no limit' },
    ),
  },
  { $id: 'Plan', title: 'Plan' },
);

/**
 * The plans a tenant may be provisioned on, and plan usage of an owner: before it offers
 * "create a workspace", a client asks whether the owner may have one more tenant (the seed's
 * canProvision). Admin: owners are not principals, and plans are the operator's configuration.
 */
export const planRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  app.addSchema(PlanUsage);
  app.addSchema(Plan);

  app.get(
    '/api/plans',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tenants'],
        operationId: 'listPlans',
        summary: "The configured plans with each one's limits and scheduling defaults (admin)",
        response: {
          200: Type.Object({ plans: Type.Array(Type.Ref('Plan')) }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async () => ({ plans: planCatalog(config) }),
  );

  app.get(
    '/api/plans/usage',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tenants'],
        operationId: 'getPlanUsage',
        summary:
          "An owner's tenants per plan against PLAN_LIMITS, and whether one more may be provisioned (admin)",
        description:
          'An answer, not a reservation: a provision checks again, and of two provisions for the last place one ' +
          'is refused with 403 `plan_limit_reached`. Owners compare as provisioning compares them (Unicode ' +
          'compatibility form, trimmed, case-insensitive).',
        querystring: Type.Object({
          owner: Type.String({ minLength: 1, maxLength: 320 }),
          plan: Type.Optional(
            Type.String({ minLength: 1, maxLength: 64, description: 'one plan; default all' }),
          ),
        }),
        response: {
          200: Type.Object({ owner: Type.String(), plans: Type.Array(Type.Ref('PlanUsage')) }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { owner, plan } = request.query;
      return { owner, plans: await planUsage(db, config, owner, plan) };
    },
  );
};
