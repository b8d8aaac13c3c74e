import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../errors.ts';
import { findJsonProblem, jsonTextTooDeep, MAX_DEPTH, stringProblem } from '../json-guard.ts';

/** JSON media types the API reads; merge-patch for PATCH .../settings (RFC 7396). */
export const JSON_TYPES = ['application/json', 'application/merge-patch+json'];

/** Request headers the API reads and passes on; anything else is ignored. */
const READ_HEADERS = ['idempotency-key', 'last-event-id', 'x-request-id'];

function hasRequired(schema: unknown): boolean {
  const s = schema as { required?: unknown[]; anyOf?: unknown[]; oneOf?: unknown[] } | undefined;
  if (!s) return false;
  if (Array.isArray(s.required) && s.required.length > 0) return true;
  return [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some(hasRequired);
}

function checkPart(part: unknown, prefix: string): void {
  const problem = findJsonProblem(part);
  if (!problem) return;
  const field = [prefix, problem.path].filter(Boolean).join('.') || '(root)';
  throw invalid(field, problem.message);
}

/**
 * Input that schemas cannot judge and the database would refuse or silently alter is turned
 * away here with a 400 naming the field:
 * - JSON bodies nested deeper than MAX_DEPTH (checked on the text, before parsing);
 * - NUL characters, unpaired surrogates and non-finite numbers (`1e309`) anywhere in the body,
 *   the query, the path parameters and the headers we read;
 * - an empty body is `{}` for operations whose body fields are all optional.
 */
export function registerInputGuard(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    if (jsonTextTooDeep(text)) {
      return done(invalid('(root)', `the JSON body nests deeper than ${MAX_DEPTH} levels`), undefined);
    }
    parseJson(request, text, done);
  });

  app.addHook('preValidation', async (request: FastifyRequest) => {
    for (const name of READ_HEADERS) {
      const value = request.headers[name];
      const message = typeof value === 'string' ? stringProblem(value) : undefined;
      if (message) throw invalid(name, message);
    }
    checkPart(request.params, '');
    checkPart(request.query, '');
    const bodySchema = request.routeOptions.schema?.body;
    if ((request.body === undefined || request.body === null) && bodySchema && !hasRequired(bodySchema)) {
      request.body = {};
    }
    checkPart(request.body, '');
  });
  // Coercion turns query text into numbers after the check above ("1e309" into Infinity).
  app.addHook('preHandler', async (request: FastifyRequest) => {
    checkPart(request.query, '');
    checkPart(request.params, '');
  });
}
