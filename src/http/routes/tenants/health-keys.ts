import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { tenantLimitsJson } from '../../../jobs/tenant-limits.ts';
import { tenantHealth } from '../../../lifecycle/health.ts';
import { createTenantKey, listTenantKeys, revokeTenantKey } from '../../../lifecycle/keys.ts';
import { PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import {
  ApiKeyCreated,
  ApiKeyList,
  KeyBody,
  KeyParams,
  Params,
  TenantHealthJson,
} from './lifecycle-schemas.ts';
import type { TenantRouteOptions } from './options.ts';

const admin = { access: 'admin' } as const;
const iso = (d: Date | undefined | null) => (d ? d.toISOString() : null);

/** The tenant health report and key rotation: admin keys only. */
export const tenantHealthKeyRoutes: FastifyPluginAsyncTypebox<TenantRouteOptions> = async (app, options) => {
  const { db } = options;

  app.get(
    '/api/tenants/:id/health',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'getTenantHealth',
        summary: 'Status, schema size, backups, maintenance, queue and failures of a tenant (admin)',
        params: Params,
        response: { 200: TenantHealthJson, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const h = await tenantHealth(db, request.params.id, {
        cache: options.cacheStore,
        backupDir: options.config?.backupDir,
        fileLimits: options.config?.fileLimits,
      });
      const limits = tenantLimitsJson(h.limits);
      return {
        tenant: h.tenant.id,
        status: h.tenant.status,
        status_reason: h.tenant.status_reason,
        schema_bytes: h.schemaBytes,
        backups: {
          count: h.backups.count,
          total_size: h.backups.totalSize,
          newest_at: iso(h.backups.newest?.createdAt),
          oldest_at: iso(h.backups.oldest?.createdAt),
        },
        last_maintenance_at: iso(h.lastMaintenance?.at),
        queue_depth: h.queueDepth,
        scheduling: {
          ...limits.effective,
          paused: limits.paused,
          paused_queues: limits.paused_queues,
          queue_rates: limits.queue_rates,
          rate_use: limits.rate_use,
        },
        failed_last_24h: h.failedLast24h,
        cache_entries: h.cacheEntries,
        files: h.files && {
          ...h.files,
          max_count: options.config?.fileLimits.maxFiles ?? null,
          max_bytes: options.config?.fileLimits.maxBytes ?? null,
        },
        warnings: h.warnings,
      };
    },
  );

  app.get(
    '/api/tenants/:id/keys',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'listApiKeys',
        summary: 'The tenant’s API keys: name, prefix, last use, revocation (admin)',
        params: Params,
        querystring: Type.Object(PageQuery),
        response: { 200: ApiKeyList, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const size = request.query.page_size ?? 50;
      const list = `keys:${request.params.id}`;
      const [afterId] = app.pageTokens.decode(request, list, request.query.page_token, 1) ?? [];
      const rows = await listTenantKeys(db, request.params.id, { limit: size + 1, afterId });
      const { items, next_page_token } = app.pageTokens.page(request, list, rows, size, (k) => [k.id]);
      return {
        keys: items.map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          created_at: k.createdAt.toISOString(),
          last_used_at: iso(k.lastUsedAt),
          revoked_at: iso(k.revokedAt),
        })),
        next_page_token,
      };
    },
  );

  app.post(
    '/api/tenants/:id/keys',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'createApiKey',
        summary: 'Create an API key for the tenant; the key is shown once (admin)',
        params: Params,
        body: KeyBody,
        response: { 201: ApiKeyCreated, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const key = await createTenantKey(db, request.params.id, request.body?.name);
      reply.code(201);
      return { id: key.id, key: key.key, prefix: key.prefix };
    },
  );

  app.delete(
    '/api/tenants/:id/keys/:keyId',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'revokeApiKey',
        summary: 'Revoke one of the tenant’s API keys (admin)',
        params: KeyParams,
        response: { 204: { type: 'null', description: 'revoked' }, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeTenantKey(db, request.params.id, request.params.keyId);
      reply.code(204);
    },
  );
};
