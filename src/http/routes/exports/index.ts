import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, invalid, notFound } from '../../../errors.ts';
import { createExport } from '../../../exports/create.ts';
import { exportJson } from '../../../exports/json.ts';
import { deleteExport, findExport, listExports } from '../../../exports/repository.ts';
import { readExport } from '../../../exports/storage.ts';
import { PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';
import { ownTenant, TenantFilterDescription, tenantScope } from '../principal-scope.ts';
import { Export, ExportAccepted, ExportId, ExportPage, ExportRequest } from './schemas.ts';

const Params = Type.Object({ id: ExportId });

/** Export routes: create, status, download. */
export const exportRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, registry, config }) => {
  app.addSchema(Export);

  app.post(
    '/api/exports',
    {
      schema: {
        tags: ['exports'],
        operationId: 'createExport',
        summary: 'Start an export of tenant data',
        description:
          'Runs as an `export-data` job; follow it with the status route or the job-log events. ' +
          'A tenant may have EXPORT_MAX_ACTIVE exports waiting or running at once (429 ' +
          '`export_limit_reached`, with Retry-After) and keep EXPORT_MAX_BYTES_PER_TENANT bytes of ' +
          'files (409 `export_quota_exceeded`: delete one, or wait until one expires).',
        body: ExportRequest,
        response: { 202: ExportAccepted, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { principal } = request;
      const body = request.body;
      let tenantId = body.tenant;
      if (principal.kind === 'tenant') {
        if (tenantId !== undefined && tenantId !== principal.tenantId) throw notFound(`tenant ${tenantId}`);
        tenantId = principal.tenantId;
      }
      if (tenantId === undefined) throw invalid('tenant', 'an admin key names the tenant to export');
      const { id, jobLogId } = await createExport(db, registry, {
        tenantId,
        type: body.export_type,
        format: body.format ?? 'csv',
        filters: body.filters ?? {},
        ttlHours: config.exportTtlHours,
        quota: config.exportQuota,
      });
      return reply.code(202).send({ id, job_log_id: jobLogId, status: 'pending' as const });
    },
  );

  app.get(
    '/api/exports/status',
    {
      schema: {
        tags: ['exports'],
        operationId: 'listExports',
        summary: 'Exports of this tenant (all, or one tenant with `tenant`, for an admin key), newest first',
        querystring: Type.Object({
          ...PageQuery,
          tenant: Type.Optional(Type.String({ maxLength: 63, description: TenantFilterDescription })),
        }),
        response: { 200: ExportPage, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const size = request.query.page_size ?? 50;
      const after = app.pageTokens.decode(request, 'exports', request.query.page_token, 2);
      const tenant = tenantScope(request.principal, request.query.tenant);
      const rows = await listExports(db, tenant, size + 1, after as [string, string]);
      const { items, next_page_token } = app.pageTokens.page(request, 'exports', rows, size, (r) => [
        r.cursor_at,
        r.id,
      ]);
      return { exports: items.map(exportJson), next_page_token };
    },
  );

  app.get(
    '/api/exports/:id/status',
    {
      schema: {
        tags: ['exports'],
        operationId: 'getExport',
        summary: 'One export: status, progress, and its download link once completed',
        params: Params,
        response: { 200: Type.Ref('Export'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const row = await findExport(db, request.params.id, ownTenant(request.principal));
      if (!row) throw notFound(`export ${request.params.id}`);
      return exportJson(row);
    },
  );

  app.get(
    '/api/exports/:id/download',
    {
      schema: {
        tags: ['exports'],
        operationId: 'downloadExport',
        summary: 'Download a completed export',
        description: 'Streams the stored file; 409 while the export is not completed.',
        params: Params,
        produces: ['text/csv', 'application/json'],
        response: {
          200: {
            description: 'the file, with Content-Disposition and Content-Length',
            content: {
              'text/csv': { schema: Type.String({ examples: ['id,name,email\n1,Ann,ann@example.com\n'] }) },
              'application/json': { schema: Type.Array(Type.Unknown()) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const row = await findExport(db, request.params.id, ownTenant(request.principal));
      if (!row) throw notFound(`export ${request.params.id}`);
      if (row.status !== 'completed' || row.chunk_count === null) {
        throw new AppError('conflict', `export ${row.id} is ${row.status}, not completed`, {
          export_status: row.status,
        });
      }
      return (
        reply
          .header('content-type', row.content_type)
          .header('content-disposition', `attachment; filename="${row.filename}"`)
          .header('content-length', row.byte_size ?? '0')
          .header('cache-control', 'private, no-store')
          // A stream bypasses the response serializer; the schema above only documents the body.
          .send(readExport(db, row.id, row.chunk_count) as unknown as string)
      );
    },
  );

  app.delete(
    '/api/exports/:id',
    {
      schema: {
        tags: ['exports'],
        operationId: 'deleteExport',
        summary: 'Delete an export and its file',
        description:
          "Gives its room in the tenant's export quota back at once. 409 while its job is waiting or " +
          'running (cancel the job first).',
        params: Params,
        response: {
          204: { description: 'deleted', type: 'null' },
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const outcome = await deleteExport(db, request.params.id, ownTenant(request.principal));
      if (!outcome) throw notFound(`export ${request.params.id}`);
      if (outcome === 'running') {
        throw new AppError(
          'conflict',
          `export ${request.params.id} is still waiting or running; cancel its job first`,
          { reason: 'export_running' },
        );
      }
      return reply.code(204).send(null);
    },
  );
};
