import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { CacheStore } from '../../../cache/contract.ts';
import { scopeStats } from '../../../cache/stats.ts';
import { TenantCache } from '../../../cache/tenant-cache.ts';
import type { Db } from '../../../db/database.ts';
import { findTenant } from '../../../db/tenants.ts';
import { notFound } from '../../../errors.ts';
import { problemResponses } from '../../problem.ts';
import { TenantId } from '../tenants/schemas.ts';
import { CacheFlushed, TenantCacheStats } from './schemas.ts';

export interface CacheRoutesOptions {
  db: Db;
  /** The process's cache store (createCacheStore); the routes never close it. */
  store: CacheStore;
}

const Params = Type.Object({ id: TenantId });

export const cacheRoutes: FastifyPluginAsyncTypebox<CacheRoutesOptions> = async (app, { db, store }) => {
  app.delete(
    '/api/tenants/:id/cache',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tenants'],
        operationId: 'flushTenantCache',
        summary: "Flush a tenant's cache (admin)",
        description:
          'Removes every cache entry of this tenant, and only of this tenant, from the configured store.',
        params: Params,
        response: { 200: CacheFlushed, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await findTenant(db, id))) throw notFound(`tenant ${id}`);
      const flushed = await new TenantCache(store, id).flush();
      request.log.info({ tenant: id, flushed }, 'tenant cache flushed');
      return { tenant: id, store: store.name, flushed };
    },
  );

  app.get(
    '/api/tenants/:id/cache/stats',
    {
      schema: {
        tags: ['tenants'],
        operationId: 'getTenantCacheStats',
        summary: "A tenant's cache figures (admin, or a key of that tenant)",
        params: Params,
        response: { 200: TenantCacheStats, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { principal } = request;
      const { id } = request.params;
      // Another tenant's cache is indistinguishable from a missing tenant.
      const visible = principal.kind === 'admin' || principal.tenantId === id;
      if (!visible || !(await findTenant(db, id))) throw notFound(`tenant ${id}`);
      const { entries, bytes, expired } = await scopeStats(store, id);
      return { tenant: id, store: store.name, entries, bytes, expired, max_bytes: store.limits.scopeBytes };
    },
  );
};
