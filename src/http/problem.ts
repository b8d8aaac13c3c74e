import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { appErrorFromCacheStore } from '../cache/store-errors.ts';
import { appErrorFromDatabase } from '../db/errors.ts';
import { AppError, ERROR_CODES, type ErrorCode } from '../errors.ts';
import { describeIssues, type ValidationIssue } from './validation-issues.ts';

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, as every error response of the API is shaped. */
export const Problem = Type.Object(
  {
    type: Type.String({
      description: 'URI identifying the problem type',
      examples: ['urn:tenantry:problem:not_found'],
    }),
    title: Type.String({ examples: ['Not found'] }),
    status: Type.Integer({ examples: [404] }),
    detail: Type.String({ examples: ['job log 42 was not found'] }),
    instance: Type.Optional(Type.String({ description: 'the request id, for support' })),
    code: Type.String({ examples: ['not_found'] }),
    field: Type.Optional(Type.String({ description: 'the offending field, for validation errors' })),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true, title: 'Problem' },
);
export type Problem = Static<typeof Problem>;

/** Response schema entries for the error statuses a route can answer with. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: titleFor(status),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: Type.Ref('Problem') } },
      },
    ]),
  );
}

function titleFor(status: number): string {
  return Object.values(ERROR_CODES).find((e) => e.status === status)?.title ?? `HTTP ${status}`;
}

function codeForStatus(status: number): ErrorCode {
  const entry = Object.entries(ERROR_CODES).find(([, e]) => e.status === status);
  return (entry?.[0] as ErrorCode | undefined) ?? (status >= 500 ? 'internal' : 'bad_request');
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  const body = problemBody(code, detail, request.id, extensions);
  if (body.status === 503 && !reply.hasHeader('retry-after'))
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  // A refusal that knows when to come back says so in the header too (the body keeps it).
  const retryAfter = extensions.retry_after;
  if (
    typeof retryAfter === 'number' &&
    Number.isInteger(retryAfter) &&
    retryAfter >= 0 &&
    !reply.hasHeader('retry-after')
  )
    reply.header('retry-after', String(retryAfter));
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** The RFC 9457 body of an error of the vocabulary. */
function problemBody(
  code: ErrorCode,
  detail: string,
  instance: string,
  extensions: Record<string, unknown> = {},
) {
  const { status, title } = ERROR_CODES[code];
  return { type: `urn:tenantry:problem:${code}`, title, status, detail, instance, code, ...extensions };
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over its limit, a
 * malformed request line or length) are answered problem+json too, then the connection closed:
 * Fastify's default wrote its own JSON shape there.
 */
export function writeClientProblem(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request';
  const detail =
    code === 'headers_too_large'
      ? 'the request line and headers are larger than the server accepts'
      : 'the HTTP request is malformed';
  const problem = problemBody(code, detail, randomUUID());
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

type ValidationError = FastifyError & {
  validation: ValidationIssue[];
  validationContext?: string;
};

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
};

/** The single error handler: every error leaves as problem+json; 5xx details stay in the log. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A client that went away in the middle of its body: the socket's ECONNRESET is not the
    // database's (it was logged as "database refused the request" and answered 503).
    if (request.raw.readableAborted && !(error instanceof AppError)) {
      request.log.info({ err: error }, 'the client closed the connection before its request was read');
      return sendProblem(reply, request, 'bad_request', 'the request was closed before its body was read');
    }
    const fromDatabase = error instanceof AppError ? undefined : appErrorFromDatabase(error);
    const fromCache = error instanceof AppError ? undefined : appErrorFromCacheStore(error);
    if (fromCache) {
      request.log.warn({ err: error }, 'cache store refused the request');
      return sendProblem(reply, request, fromCache.code, fromCache.message, fromCache.extensions);
    }
    if (fromDatabase) {
      request.log[fromDatabase.status >= 500 ? 'warn' : 'info'](
        { err: error },
        'database refused the request',
      );
      return sendProblem(reply, request, fromDatabase.code, fromDatabase.message, fromDatabase.extensions);
    }
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, request, error.code, error.message, error.extensions);
    }
    const validation = (error as ValidationError).validation;
    if (Array.isArray(validation)) {
      const where = (error as ValidationError).validationContext ?? 'body';
      const { first, errors } = describeIssues(validation);
      return sendProblem(reply, request, 'validation_failed', `${where} ${first.field}: ${first.message}`, {
        field: first.field,
        errors,
      });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendProblem(
        reply,
        request,
        'unsupported_media_type',
        'content-type: is not a media type this operation reads',
        { field: 'content-type' },
      );
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    const status = error.statusCode ?? 500;
    if (mapped || (status >= 400 && status < 500)) {
      return sendProblem(reply, request, mapped ?? codeForStatus(status), error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(
      reply,
      request,
      status === 503 ? 'unavailable' : 'internal',
      'an unexpected error occurred',
    );
  });
}
