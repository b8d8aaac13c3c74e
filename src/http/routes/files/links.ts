import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findTenant } from '../../../db/tenants.ts';
import { AppError, notFound } from '../../../errors.ts';
import { type FileLinks, SHARED_FILE_ROUTE } from '../../../files/links.ts';
import { findFile } from '../../../files/repository.ts';
import { problemResponses } from '../../problem.ts';
import { holdTenantSlot, linkLane } from '../../tenant-slots.ts';
import type { RouteDeps } from '../deps.ts';
import { fileTenant } from './index.ts';
import { FileParams, FileTenantQuery } from './schemas.ts';
import { FileBodyResponses, onFiles, sendFile } from './send-file.ts';

declare module 'fastify' {
  interface FastifyInstance {
    fileLinks: FileLinks;
  }
}

/** A week: a link is for handing a file on, not a permanent address. */
const MAX_EXPIRES_IN_S = 7 * 86_400;

const LinkQuery = Type.Object(
  {
    ...FileTenantQuery.properties,
    expires_in: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: MAX_EXPIRES_IN_S,
        default: 86_400,
        description: 'seconds the link works (60 to a week; default a day)',
      }),
    ),
  },
  { additionalProperties: false },
);

const FileLink = Type.Object(
  {
    url: Type.String({
      format: 'uri-reference',
      description: 'opens the file without a key until expires_at',
    }),
    expires_at: Type.String({ format: 'date-time' }),
    sha256: Type.String({ description: 'the bytes the link serves: a replaced or deleted file ends it' }),
  },
  {
    examples: [
      {
        url: '/api/shared-files/WyJhY21lIiwicmVwb3J0cy9xMy5wZGYiLCI5Zjg2Li4uIiwxNzk2NjAwMDAwXQ.k2X…',
        expires_at: '2026-12-06T10:00:00.000Z',
        sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      },
    ],
  },
);

/** Signed links to tenant files: made with a key, opened without one. */
export const fileLinkRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db } = deps;

  app.post(
    '/api/files/:path/links',
    {
      schema: {
        tags: ['files'],
        operationId: 'createFileLink',
        summary: 'A signed link that downloads the file without a key, until it expires',
        description:
          'Nothing is stored: the link ends at `expires_at`, when the file is replaced or deleted, ' +
          'while its tenant is not active, and for every link when the admin key is rotated.',
        params: FileParams,
        querystring: LinkQuery,
        response: { 201: FileLink, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const tenantId = await fileTenant(deps, request.principal, request.query.tenant);
      const file = await onFiles(tenantId, () => findFile(db, tenantId, request.params.path));
      if (!file) throw notFound(`file ${request.params.path}`);
      const expiresAt = new Date(Date.now() + (request.query.expires_in ?? 86_400) * 1000);
      const minter = request.principal.keyId ?? ROOT_MINTER;
      const token = app.fileLinks.sign({
        tenant: tenantId,
        path: file.path,
        sha256: file.sha256,
        expiresAt,
        minter,
      });
      return reply.code(201).send({
        url: `${SHARED_FILE_ROUTE}/${token}`,
        expires_at: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString(),
        sha256: file.sha256,
      });
    },
  );

  app.get(
    `${SHARED_FILE_ROUTE}/:token`,
    {
      config: { access: 'public' },
      schema: {
        tags: ['files'],
        operationId: 'openFileLink',
        summary: 'Download a file through a signed link (no key)',
        description:
          '404 for a link this API did not sign, one past its expiry, one whose file changed or was ' +
          'deleted, one made with a key since revoked, or one of a tenant that is not active; 400 for ' +
          'text that is not a link at all; 429 (Retry-After) when too many downloads of the tenant are ' +
          'under way. Query parameters are ignored.',
        security: [],
        // Links pass through mail and chat apps that append tracking parameters: ignored.
        querystring: Type.Object({}, { additionalProperties: true }),
        params: Type.Object({
          token: Type.String({ maxLength: 2048, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' }),
        }),
        produces: ['*/*'],
        response: { ...FileBodyResponses, ...problemResponses(400, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const target = app.fileLinks.verify(request.params.token);
      if (!target) throw notFound('file link');
      if (target.expiresAt.getTime() <= Date.now()) {
        throw notFound(`file link (it expired at ${target.expiresAt.toISOString()})`);
      }
      // A link passed around widely downloads in a share of the API of its own: not everyone's,
      // and not its tenant's keys' (anyone holding the link could otherwise crowd those out).
      await holdTenantSlot(request, reply, target.tenant, linkLane(target.tenant));
      const tenant = await findTenant(db, target.tenant);
      if (tenant?.status !== 'active' || !(await minterLive(db, target.minter))) throw notFound('file link');
      // An anonymous caller learns nothing of restores or migrations: a plain 503 (logged in full).
      const quietly = async <T>(work: () => Promise<T>): Promise<T> => {
        try {
          return await onFiles(target.tenant, work);
        } catch (err) {
          if (!(err instanceof AppError) || err.code !== 'unavailable') throw err;
          request.log.warn({ err }, 'a file link could not be served');
          throw new AppError('unavailable', 'the file cannot be served now; try again', { retry_after: 5 });
        }
      };
      const file = await quietly(() => findFile(db, target.tenant, target.path));
      if (!file || file.sha256 !== target.sha256) {
        throw notFound('file link (its file was replaced or deleted since the link was made)');
      }
      return quietly(() => sendFile(request, reply, db, target.tenant, file, 'private, no-cache'));
    },
  );
};

/** The admin key itself (no row) or the CLI signed it: ended only by rotating the admin key. */
const ROOT_MINTER = 'root';

/** A link made with an API key works while that key does (a revoked key's links end with it). */
async function minterLive(db: RouteDeps['db'], minter: string): Promise<boolean> {
  if (minter === ROOT_MINTER) return true;
  if (!/^\d{1,18}$/.test(minter)) return false;
  const row = await db
    .selectFrom('tenantry.api_keys')
    .select('id')
    .where('id', '=', minter)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}
