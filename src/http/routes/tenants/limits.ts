import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../../../errors.ts';
import {
  getTenantLimits,
  pauseTenant,
  resumeTenant,
  tenantLimitsJson,
  updateTenantLimits,
} from '../../../jobs/tenant-limits.ts';
import { problemResponses } from '../../problem.ts';
import { Params } from './lifecycle-schemas.ts';
import { LimitsPatch, PauseBody, TenantLimits } from './limits-schemas.ts';
import type { TenantRouteOptions } from './options.ts';

const admin = { access: 'admin' } as const;

/**
 * The fair scheduler's per-tenant controls: concurrency, weight and rate overrides of the plan
 * defaults, and pauses. Changes reach the tenant's lanes in the same transaction (the
 * tenant_limits triggers), so they hold for the next admission; running jobs finish.
 */
export const tenantLimitRoutes: FastifyPluginAsyncTypebox<TenantRouteOptions> = async (app, { db }) => {
  app.addSchema(TenantLimits);
  const limitsResponse = { 200: Type.Ref('TenantLimits'), ...problemResponses(400, 401, 403, 404) };

  app.get(
    '/api/tenants/:id/limits',
    {
      schema: {
        tags: ['tenants'],
        operationId: 'getTenantLimits',
        summary:
          'Scheduling limits of a tenant: overrides, plan defaults, effective values (admin, or its own key)',
        params: Params,
        response: limitsResponse,
      },
    },
    async (request) => {
      const { principal } = request;
      const { id } = request.params;
      // Another tenant's limits are indistinguishable from a missing tenant.
      if (principal.kind === 'tenant' && principal.tenantId !== id) throw notFound(`tenant ${id}`);
      return tenantLimitsJson(await getTenantLimits(db, id));
    },
  );

  app.patch(
    '/api/tenants/:id/limits',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'updateTenantLimits',
        summary: 'Override concurrency, weight or rate limits of a tenant or its queues, or pause it (admin)',
        description:
          'A JSON Merge Patch (RFC 7396), sent as application/merge-patch+json or application/json: ' +
          'absent fields stay, null returns a setting to the plan default. Effective for the next admission.',
        consumes: ['application/merge-patch+json', 'application/json'],
        params: Params,
        body: LimitsPatch,
        response: limitsResponse,
      },
    },
    async (request) => {
      const { rate, paused_queues, queue_rates, ...rest } = request.body;
      const patch = {
        ...rest,
        ...(rate === undefined ? {} : { rate: rate && { limit: rate.limit, periodMs: rate.period_ms } }),
        ...(paused_queues === undefined ? {} : { pausedQueues: paused_queues }),
        ...(queue_rates === undefined
          ? {}
          : {
              queueRates:
                queue_rates &&
                Object.fromEntries(
                  Object.entries(queue_rates).map(([q, r]) => [
                    q,
                    r && { limit: r.limit, periodMs: r.period_ms },
                  ]),
                ),
            }),
      };
      const limits = await updateTenantLimits(db, request.params.id, patch);
      request.log.info({ tenant: request.params.id, patch: request.body }, 'tenant limits changed');
      return tenantLimitsJson(limits);
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post(
      `/api/tenants/:id/${action}`,
      {
        config: admin,
        schema: {
          tags: ['tenants'],
          operationId: action === 'pause' ? 'pauseTenant' : 'resumeTenant',
          summary:
            action === 'pause'
              ? 'Pause a tenant or one of its queues: nothing new starts, running jobs finish (admin)'
              : 'Resume a paused tenant or queue (admin)',
          description:
            'With `queue`, only that logical queue; without, the whole tenant. A queue paused on its own ' +
            'stays paused when the tenant resumes.',
          params: Params,
          body: PauseBody,
          response: limitsResponse,
        },
      },
      async (request) => {
        const { id } = request.params;
        const queue = request.body?.queue;
        const limits = await (action === 'pause' ? pauseTenant : resumeTenant)(db, id, queue);
        request.log.info({ tenant: id, queue }, action === 'pause' ? 'tenant paused' : 'tenant resumed');
        return tenantLimitsJson(limits);
      },
    );
  }
};
