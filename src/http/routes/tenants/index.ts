import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findTenant, listTenants } from '../../../db/tenants.ts';
import { notFound } from '../../../errors.ts';
import { PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import { tenantHealthKeyRoutes } from './health-keys.ts';
import { tenantLifecycleRoutes } from './lifecycle.ts';
import { tenantLimitRoutes } from './limits.ts';
import { tenantOperationRoutes } from './operations.ts';
import type { TenantRouteOptions } from './options.ts';
import { Tenant, TenantId, TenantPage, tenantJson } from './schemas.ts';

export const tenantRoutes: FastifyPluginAsyncTypebox<TenantRouteOptions> = async (app, options) => {
  const { db } = options;
  app.addSchema(Tenant);
  await app.register(tenantLifecycleRoutes, options);
  await app.register(tenantOperationRoutes, options);
  await app.register(tenantHealthKeyRoutes, options);
  await app.register(tenantLimitRoutes, options);

  app.get(
    '/api/tenants',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tenants'],
        operationId: 'listTenants',
        summary: 'List tenants (admin)',
        querystring: Type.Object(PageQuery),
        response: { 200: TenantPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const size = request.query.page_size ?? 50;
      const after = app.pageTokens.decode(request, 'tenants', request.query.page_token, 1)?.[0];
      const rows = await listTenants(db, size + 1, after);
      const { items, next_page_token } = app.pageTokens.page(request, 'tenants', rows, size, (t) => [t.id]);
      return { tenants: items.map(tenantJson), next_page_token };
    },
  );

  app.get(
    '/api/tenants/:id',
    {
      schema: {
        tags: ['tenants'],
        operationId: 'getTenant',
        summary: 'One tenant (admin, or a key of that tenant)',
        params: Type.Object({ id: TenantId }),
        response: { 200: Type.Ref('Tenant'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { principal } = request;
      const { id } = request.params;
      // Another tenant's row is indistinguishable from a missing one.
      const tenant =
        principal.kind === 'tenant' && principal.tenantId !== id ? undefined : await findTenant(db, id);
      if (!tenant) throw notFound(`tenant ${id}`);
      return tenantJson(tenant);
    },
  );
};
