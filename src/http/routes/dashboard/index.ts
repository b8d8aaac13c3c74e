import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../problem.ts';
import { type Asset, type DashboardFiles, loadDashboard } from './assets.ts';

/**
 * The browser dashboard at /dashboard: a static single-page client of this API (the same REST
 * routes and event streams, the same keys and isolation). Hashed assets under
 * /dashboard/assets/ are cached for a year; every other path under /dashboard answers the
 * page itself, never cached, so a deploy is picked up on the next load. The files are read and
 * compressed (brotli, gzip) on the first request, not at start.
 */
export const dashboardRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, options) => {
  let loading: Promise<DashboardFiles | undefined> | undefined;
  const files = () => {
    loading ??= loadDashboard(options.dir);
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };

  const send = (request: FastifyRequest, reply: FastifyReply, file: Asset, cacheControl: string) => {
    reply
      .header('content-type', file.type)
      .header('cache-control', cacheControl)
      .header('etag', file.etag)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
          "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      )
      .header('x-frame-options', 'DENY');
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    const accepted = String(request.headers['accept-encoding'] ?? '');
    if (file.br && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(file.br);
    if (file.gzip && /\bgzip\b/.test(accepted))
      return reply.header('content-encoding', 'gzip').send(file.gzip);
    return reply.send(file.body);
  };

  const route = { config: { access: 'public' as const }, schema: { hide: true } };

  app.get('/dashboard', route, async (request, reply) => {
    const query = request.url.indexOf('?');
    return reply.redirect(`/dashboard/${query === -1 ? '' : request.url.slice(query)}`, 302);
  });

  app.get('/dashboard/*', route, async (request, reply) => {
    const built = await files();
    if (!built) {
      return sendProblem(
        reply,
        request,
        'unavailable',
        'the dashboard has not been built: run `npm run build:dashboard` (npm install does it)',
      );
    }
    const rest = (request.params as { '*': string })['*'] ?? '';
    if (rest.startsWith('assets/') || built.files.has(rest)) {
      const file = built.files.get(rest);
      if (!file) return sendProblem(reply, request, 'not_found', `no dashboard file ${rest}`);
      const immutable = rest.startsWith('assets/');
      return send(request, reply, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    // Client-side routes (/dashboard/jobs, /dashboard/jobs/42 ...) all load the page.
    return send(request, reply, built.index, 'no-cache');
  });
};
