import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { oldestWaiting, queueRows } from '../../../insights/queues.ts';
import { mostFailures, tenantOverview } from '../../../insights/tenants.ts';
import { throughput } from '../../../insights/throughput.ts';
import { PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';
import { TenantFilterDescription, tenantScope } from '../principal-scope.ts';
import { Attention, TenantOverview, TenantOverviewPage, Throughput } from './schemas.ts';

const TenantFilter = Type.Optional(Type.String({ maxLength: 63, description: TenantFilterDescription }));

/** Figures for dashboards: throughput over time, tenants needing attention, the tenants overview. */
export const statsRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config, cacheStore }) => {
  app.addSchema(TenantOverview);

  app.get(
    '/api/stats/throughput',
    {
      schema: {
        tags: ['stats'],
        operationId: 'getThroughput',
        summary: 'Completions and failures per minute (last hour) and per half hour (last day)',
        querystring: Type.Object({ tenant: TenantFilter }),
        response: { 200: Throughput, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => throughput(db, tenantScope(request.principal, request.query.tenant)),
  );

  app.get(
    '/api/stats/attention',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['stats'],
        operationId: 'getTenantsNeedingAttention',
        summary: 'Tenants with the most failures and with the oldest waiting jobs (admin)',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })),
        }),
        response: { 200: Attention, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 5;
      const [failures, queues] = await Promise.all([mostFailures(db, limit), queueRows(db)]);
      return { most_failures: failures, oldest_waiting: oldestWaiting(queues, limit) };
    },
  );

  app.get(
    '/api/stats/tenants',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['stats'],
        operationId: 'listTenantOverview',
        summary: 'Tenants with keys, cache, backups, maintenance and failures (admin)',
        description:
          'One row per tenant in id order, keyset-paged. `backup_warning` is set without a backup or when ' +
          'the newest is older than 48 hours.',
        querystring: Type.Object({
          ...PageQuery,
          status: Type.Optional(
            Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('suspended')]),
          ),
        }),
        response: { 200: TenantOverviewPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const size = q.page_size ?? 50;
      const after = app.pageTokens.decode(request, `tenant-overview:${q.status ?? ''}`, q.page_token, 1)?.[0];
      const rows = await tenantOverview(
        { db, cacheStore, planLimits: config.planLimits },
        { limit: size + 1, afterId: after, status: q.status },
      );
      const { items, next_page_token } = app.pageTokens.page(
        request,
        `tenant-overview:${q.status ?? ''}`,
        rows,
        size,
        (r) => [r.id],
      );
      return { tenants: items, next_page_token };
    },
  );
};
