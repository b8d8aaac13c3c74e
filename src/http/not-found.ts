import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { sendProblem } from './problem.ts';

/** Fastify's default, so both routers agree on which paths exist. */
const MAX_PARAM_LENGTH = 100;

const noop = () => {};

/**
 * Answers a request that no route takes. A path some route serves under other methods is a 405
 * with `Allow` listing them (RFC 9110 §15.5.6): `DELETE /api/tenants` is a wrong method, not a
 * missing resource, and a client should be told which methods would do. Anything else is a 404.
 *
 * Fastify's own router is not public, so every route is mirrored into a second router as it is
 * added (the onRoute hook, registered here before any route): it holds paths only, no handlers.
 * Must be called before the routes are registered.
 */
export function registerNotFound(app: FastifyInstance): void {
  const paths = FindMyWay({ maxParamLength: MAX_PARAM_LENGTH });
  const methods = new Set<HTTPMethod>();
  const seen = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat() as HTTPMethod[]) {
      const entry = `${method} ${route.url}`;
      // Fastify adds HEAD beside each GET; a route may also be declared for several methods.
      if (seen.has(entry)) continue;
      seen.add(entry);
      methods.add(method);
      paths.on(method, route.url, noop);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = [...methods].filter((m) => paths.find(m, request.url) !== null).sort();
    if (allowed.length === 0) {
      return sendProblem(reply, request, 'not_found', `no route for ${request.method} ${path}`);
    }
    reply.header('allow', allowed.join(', '));
    return sendProblem(
      reply,
      request,
      'method_not_allowed',
      `${path} does not take ${request.method}; it takes ${allowed.join(', ')}`,
    );
  });
}
