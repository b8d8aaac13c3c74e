import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireTenant } from '../../../db/tenants.ts';
import { invalid, notFound } from '../../../errors.ts';
import { findFile, listFiles } from '../../../files/repository.ts';
import { uploadLength } from '../../../files/upload-headers.ts';
import { deleteFile, writeFile } from '../../../files/write.ts';
import type { Principal } from '../../auth.ts';
import { PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';
import { tenantScope } from '../principal-scope.ts';
import { FilePage, FileParams, FileTenantQuery, fileJson, TenantFile } from './schemas.ts';
import { FileBodyResponses, onFiles, sendFile } from './send-file.ts';

const ListQuery = Type.Object(
  {
    ...FileTenantQuery.properties,
    ...PageQuery,
    prefix: Type.Optional(
      Type.String({
        maxLength: 255,
        pattern: '^[A-Za-z0-9_.~+=,@() /-]*$',
        description: 'only files whose path starts with this (`imports/`)',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The tenant whose files a request reaches: a tenant key's own (naming another is 404), the one
 * an admin key names (required: files live in each tenant's schema). It must exist.
 */
export async function fileTenant(
  deps: RouteDeps,
  principal: Principal,
  tenant: string | undefined,
): Promise<string> {
  const id = tenantScope(principal, tenant);
  if (id === undefined) throw invalid('tenant', 'an admin key names the tenant whose files these are');
  await requireTenant(deps.db, id);
  return id;
}

/** Tenant files: upload, list, download, delete. */
export const fileRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, config } = deps;
  app.addSchema(TenantFile);
  // An upload's body is the file, whatever its type: stored as sent, never parsed (a JSON file
  // is bytes here). Only this plugin's routes see this parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put(
    '/api/files/:path',
    {
      schema: {
        tags: ['files'],
        operationId: 'putFile',
        summary: "Store a file in the tenant's files, replacing any at its path",
        description:
          'The body is the file, stored as sent with its Content-Type (application/octet-stream when ' +
          'none). Readers see the old file (or none) until every byte is stored. 413 past FILE_MAX_BYTES ' +
          '(refused before reading when Content-Length says so); 409 `file_quota_exceeded` past ' +
          'FILE_MAX_BYTES_PER_TENANT or FILE_MAX_PER_TENANT; 429 `uploads_in_flight` past four uploads of ' +
          'one tenant at once (with Retry-After). Nothing is written by a refused upload.',
        params: FileParams,
        querystring: FileTenantQuery,
        response: {
          200: { ...Type.Ref('TenantFile'), description: 'replaced the file at this path' },
          201: { ...Type.Ref('TenantFile'), description: 'stored a new file' },
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const tenantId = await fileTenant(deps, request.principal, request.query.tenant);
      const body = request.body as Readable | undefined;
      let written: Awaited<ReturnType<typeof writeFile>>;
      try {
        // Read without destroying the request when reading stops early: the refusal must still
        // reach the client, and the connection is closed after it rather than read to its end.
        written = await writeFile(
          db,
          tenantId,
          request.params.path,
          body?.iterator({ destroyOnReturn: false }) ?? '',
          {
            contentType: request.headers['content-type'],
            limits: config.fileLimits,
            expectedBytes: uploadLength(request.headers['content-length']),
          },
        );
      } catch (err) {
        if (body && !body.readableEnded) reply.header('connection', 'close');
        throw err;
      }
      const { file, replaced } = written;
      const json = fileJson(tenantId, file);
      return reply
        .code(replaced ? 200 : 201)
        .header('location', json.download_url)
        .send(json);
    },
  );

  app.get(
    '/api/files',
    {
      schema: {
        tags: ['files'],
        operationId: 'listFiles',
        summary: "The tenant's files by path",
        querystring: ListQuery,
        response: { 200: FilePage, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const tenantId = await fileTenant(deps, request.principal, request.query.tenant);
      const size = request.query.page_size ?? 50;
      const after = app.pageTokens.decode(request, 'files', request.query.page_token, 1)?.[0];
      const rows = await onFiles(tenantId, () =>
        listFiles(db, tenantId, { prefix: request.query.prefix, after, limit: size + 1 }),
      );
      const { items, next_page_token } = app.pageTokens.page(request, 'files', rows, size, (r) => [r.path]);
      return { files: items.map((f) => fileJson(tenantId, f)), next_page_token };
    },
  );

  app.get(
    '/api/files/:path',
    {
      schema: {
        tags: ['files'],
        operationId: 'getFile',
        summary: 'Download a file',
        description:
          'Always an attachment, with nosniff and a sandboxing Content-Security-Policy: a stored HTML ' +
          'file is never rendered as a page of this origin. ETag is the SHA-256; If-None-Match answers 304.',
        params: FileParams,
        querystring: FileTenantQuery,
        produces: ['*/*'],
        response: {
          ...FileBodyResponses,
          ...problemResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const tenantId = await fileTenant(deps, request.principal, request.query.tenant);
      const file = await onFiles(tenantId, () => findFile(db, tenantId, request.params.path));
      if (!file) throw notFound(`file ${request.params.path}`);
      return sendFile(request, reply, db, tenantId, file, 'private, no-cache');
    },
  );

  app.delete(
    '/api/files/:path',
    {
      schema: {
        tags: ['files'],
        operationId: 'deleteFile',
        summary: 'Delete a file',
        description:
          "Gives its room in the tenant's file quota back at once. A download already reading it " +
          'ends whole: its bytes are kept for an hour (or until the quota needs the room).',
        params: FileParams,
        querystring: FileTenantQuery,
        response: {
          204: { description: 'deleted', type: 'null' },
          ...problemResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const tenantId = await fileTenant(deps, request.principal, request.query.tenant);
      const deleted = await onFiles(tenantId, () => deleteFile(db, tenantId, request.params.path));
      if (!deleted) throw notFound(`file ${request.params.path}`);
      return reply.code(204).send(null);
    },
  );
};
