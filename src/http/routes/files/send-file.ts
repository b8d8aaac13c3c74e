import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Db } from '../../../db/database.ts';
import { notFound } from '../../../errors.ts';
import { fileName } from '../../../files/path.ts';
import { openFile, type StoredFile } from '../../../files/repository.ts';
import { filesUnavailable } from '../../../files/unavailable.ts';

/** Runs work on `tenantId`'s files, a missing files table answered as a 503 (see filesUnavailable). */
export async function onFiles<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw filesUnavailable(err, tenantId);
  }
}

/** The 200 and 304 of a file download, as documented. */
export const FileBodyResponses = {
  200: {
    description:
      'the file as stored, with the Content-Type it was uploaded with, Content-Length, Content-Disposition and ETag',
    content: { '*/*': { schema: Type.String({ format: 'binary' }) } },
  },
  304: { description: 'the copy the client holds (If-None-Match) is current', type: 'null' },
};

/**
 * Sends a stored file: always an attachment, with nosniff and a sandboxing CSP (a stored HTML
 * file never runs as a page of the API's origin); ETag is its SHA-256 (If-None-Match, `*` too,
 * answers 304); HEAD reads no chunk; a file gone since it was found is a 404 before any byte.
 */
export async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  db: Db,
  tenantId: string,
  file: StoredFile,
  cacheControl: string,
): Promise<FastifyReply> {
  const etag = `"${file.sha256}"`;
  reply
    .header('etag', etag)
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox");
  const held = request.headers['if-none-match'];
  if (held?.split(',').some((tag) => ['*', etag].includes(tag.trim().replace(/^W\//, '')))) {
    return reply.code(304).send(null);
  }
  reply
    .header('content-type', file.content_type)
    .header('content-disposition', `attachment; filename="${fileName(file.path)}"`)
    .header('content-length', file.byte_size);
  // HEAD: the headers alone, no chunk read (an empty stream keeps the Content-Length set above).
  if (request.method === 'HEAD') return reply.send(Readable.from([]));
  const stream = await onFiles(tenantId, () => openFile(db, tenantId, file));
  if (!stream) throw notFound(`file ${file.path}`);
  return reply.send(stream);
}
