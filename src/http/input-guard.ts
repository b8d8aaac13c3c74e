import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, invalid } from '../errors.ts';
import { findJsonProblem, jsonTextTooDeep, MAX_DEPTH, stringProblem } from '../json-guard.ts';

/** JSON media types the API reads; merge-patch for PATCH .../settings (RFC 7396). */
export const JSON_TYPES = ['application/json', 'application/merge-patch+json'];

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Request headers the API reads and passes on; anything else is ignored. */
const READ_HEADERS = ['idempotency-key', 'last-event-id', 'x-request-id'];

function hasRequired(schema: unknown): boolean {
  const s = schema as { required?: unknown[]; anyOf?: unknown[]; oneOf?: unknown[] } | undefined;
  if (!s) return false;
  if (Array.isArray(s.required) && s.required.length > 0) return true;
  return [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some(hasRequired);
}

/**
 * An API operation without query parameters takes none (those with them are closed by their
 * schema: compilers.ts). `?dry_run=true` on a bulk action that reads it from its body, or
 * `?pattern=` on a flush, acted on everything. `_`, a browser cache-buster, is let through.
 */
function refuseUndocumentedQuery(request: FastifyRequest): void {
  // No route (a 404) or not the API's (the dashboard's files, /health): left alone.
  const route = request.routeOptions.url;
  if (route === undefined || !route.startsWith('/api/') || request.routeOptions.schema?.querystring) return;
  const name = Object.keys((request.query ?? {}) as object).find((k) => k !== QUERY_CACHE_BUSTER);
  if (name !== undefined) {
    // Worded as the schema-checked operations word it (problem.ts).
    throw new AppError('validation_failed', `querystring ${name}: is not a known field here`, {
      field: name,
    });
  }
}

/**
 * The query string as sent: a percent-encoded byte sequence that is not UTF-8 (`?task=%FF`) was
 * decoded to U+FFFD or kept literally, and the filter silently matched nothing (a 200 with an
 * empty list); the path's own (`/api/job-logs/%FF`) was already a 400. decodeURIComponent throws
 * on exactly those, and on a `%` not followed by two hex digits.
 */
function checkRawQuery(url: string): void {
  const start = url.indexOf('?');
  if (start === -1) return;
  for (const pair of url.slice(start + 1).split('&')) {
    const eq = pair.indexOf('=');
    const [name, value] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    let field: string;
    try {
      field = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      throw invalid('(query)', 'a parameter name is not valid percent-encoded UTF-8');
    }
    try {
      decodeURIComponent(value.replaceAll('+', ' '));
    } catch {
      throw invalid(field, 'is not valid percent-encoded UTF-8');
    }
  }
}

/** The query parameter browsers and HTTP libraries add to defeat caches (jQuery's `cache: false`). */
export const QUERY_CACHE_BUSTER = '_';

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
 *   the query, the path parameters and the headers we read, and a query string whose
 *   percent-encoding is not UTF-8;
 * - an empty body is `{}` for operations whose body fields are all optional;
 * - a body that is not UTF-8 (a charset other than UTF-8 is a 415, invalid bytes a 400).
 */
export function registerInputGuard(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  // No operation reads plain text: JSON sent as text/plain is a 415, not "body must be object".
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset && !/^utf-?8$/i.test(charset)) {
      return done(
        new AppError('unsupported_media_type', `the body must be UTF-8 JSON (charset=${charset} was sent)`),
        undefined,
      );
    }
    let text: string;
    try {
      // Fatal: invalid bytes were decoded to U+FFFD and stored as such, silently.
      text = UTF8.decode(body as Buffer);
    } catch {
      return done(invalid('(root)', 'the body is not valid UTF-8'), undefined);
    }
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
    // The dashboard's pages read their own query strings (client-side routes): a broken link
    // there is the page's to report, not a JSON problem in place of the page.
    if (!request.routeOptions.url?.startsWith('/dashboard')) checkRawQuery(request.url);
    checkPart(request.query, '');
    refuseUndocumentedQuery(request);
    const bodySchema = request.routeOptions.schema?.body;
    if ((request.body === undefined || request.body === null) && bodySchema && !hasRequired(bodySchema)) {
      request.body = {};
    }
    // A file upload's body is its bytes, as a stream (routes/files): not JSON to check.
    if (!(request.body instanceof Readable)) checkPart(request.body, '');
  });
  // Coercion turns query text into numbers after the check above ("1e309" into Infinity).
  app.addHook('preHandler', async (request: FastifyRequest) => {
    checkPart(request.query, '');
    checkPart(request.params, '');
  });
}
