import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { planUsage } from '../../../lifecycle/plan-usage.ts';
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

/**
 * Plan usage of an owner: before it offers "create a workspace", a client asks whether the
 * owner may have one more tenant (the seed's canProvision). Admin: owners are not principals.
 */
export const planRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  app.addSchema(PlanUsage);

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
