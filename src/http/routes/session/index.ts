import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';

const Session = Type.Object(
  {
    kind: Type.Union([Type.Literal('admin'), Type.Literal('tenant')]),
    tenant: Type.Union([Type.String(), Type.Null()], {
      description: "a tenant key's tenant; null for admin",
    }),
    tenant_name: Type.Union([Type.String(), Type.Null()]),
  },
  { examples: [{ kind: 'tenant', tenant: 'acme', tenant_name: 'Acme Clinic' }] },
);

/** GET /api/session: who the key belongs to, for clients that sign in with a key (the dashboard). */
export const sessionRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.get(
    '/api/session',
    {
      schema: {
        tags: ['health'],
        operationId: 'getSession',
        summary: 'Who this key belongs to: the admin, or one tenant',
        description:
          'A key that is not valid is 401; a key of a suspended or inactive tenant is 403 with the reason.',
        response: { 200: Session, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { principal } = request;
      if (principal.kind === 'admin') return { kind: 'admin' as const, tenant: null, tenant_name: null };
      const row = await db
        .selectFrom('tenantry.tenants')
        .select('name')
        .where('id', '=', principal.tenantId)
        .executeTakeFirst();
      return { kind: 'tenant' as const, tenant: principal.tenantId, tenant_name: row?.name ?? null };
    },
  );
};
