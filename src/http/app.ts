import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import { FileLinks } from '../files/links.ts';
import type { HealthSources } from '../health.ts';
import type { Logger } from '../logger.ts';
import { VERSION } from '../version.ts';
import { authPlugin } from './auth.ts';
import { lazyCompilersFactory } from './compilers.ts';
import { registerInputGuard } from './input-guard.ts';
import { registerNotFound } from './not-found.ts';
import { registerOpenApi } from './openapi.ts';
import { PageTokens } from './pagination.ts';
import { registerProblemHandlers, sendProblem, writeClientProblem } from './problem.ts';
import { cacheRoutes } from './routes/cache/index.ts';
import { dashboardRoutes } from './routes/dashboard/index.ts';
import type { RouteDeps } from './routes/deps.ts';
import { eventRoutes } from './routes/events/index.ts';
import { exportRoutes } from './routes/exports/index.ts';
import { fileRoutes } from './routes/files/index.ts';
import { fileLinkRoutes } from './routes/files/links.ts';
import { healthRoutes } from './routes/health/index.ts';
import { jobBulkRoutes } from './routes/job-bulk/index.ts';
import { jobLogRoutes } from './routes/job-logs/index.ts';
import { jobRoutes } from './routes/jobs/index.ts';
import { metricsRoutes } from './routes/metrics/index.ts';
import { planRoutes } from './routes/plans/index.ts';
import { queueRoutes } from './routes/queues/index.ts';
import { scheduleRoutes } from './routes/schedules/index.ts';
import { sessionRoutes } from './routes/session/index.ts';
import { statsRoutes } from './routes/stats/index.ts';
import { tenantRoutes } from './routes/tenants/index.ts';
import { workerRoutes } from './routes/workers/index.ts';
import { StreamAccess } from './stream-access.ts';
import { holdTenantSlot, registerTenantSlots } from './tenant-slots.ts';

export interface AppDeps extends RouteDeps {
  adminKey: string;
  health: HealthSources;
  logger: Logger;
  /** The built dashboard (default dashboard/dist). */
  dashboardDir?: string;
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the API without listening: the server entry listens, tests use `app.inject`. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    requestIdHeader: false,
    // Accept a caller's request id when it is well-formed, so logs correlate across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    schemaController: { compilersFactory: lazyCompilersFactory() as never },
    bodyLimit: 5 * 1024 * 1024,
    // A file's path is one parameter: up to 255 characters, each `/` sent as %2F.
    routerOptions: { maxParamLength: 1024 },
    clientErrorHandler: writeClientProblem,
    // URLs the router refuses before any route runs still answer problem+json.
    frameworkErrors: (error, request, reply) =>
      sendProblem(
        reply,
        request,
        'bad_request',
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path parameter is longer than 1024 characters'
          : 'the URL is not valid (it must be UTF-8, percent-encoded)',
      ),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Keyset tokens are signed with a key derived from the admin key: rotating it retires them.
  app.decorate('pageTokens', new PageTokens(createHash('sha256').update(deps.adminKey).digest('hex')));
  // File links are signed with a key of their own, derived from the admin key the same way.
  app.decorate('fileLinks', new FileLinks(deps.adminKey));

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerProblemHandlers(app);
  registerNotFound(app);
  registerInputGuard(app);
  await registerOpenApi(app, VERSION, deps.registry);
  await app.register(authPlugin, {
    db: deps.db,
    adminKey: deps.adminKey,
    failureLimit: deps.config.authFailureLimit,
    holdTenantSlot,
  });
  // After authentication, which names the tenant: one tenant's requests cannot take every connection.
  registerTenantSlots(app, deps.config.apiTenantConcurrency);
  await app.register(healthRoutes, { health: deps.health });
  await app.register(tenantRoutes, { db: deps.db, config: deps.config, cacheStore: deps.cacheStore });
  await app.register(jobRoutes, { db: deps.db, registry: deps.registry, config: deps.config });
  // Open event streams end when their key is revoked or their tenant stops being active.
  const streams = new StreamAccess(deps.db, deps.connectionString, deps.logger);
  app.addHook('preClose', async () => streams.close());
  await app.register(jobLogRoutes, { ...deps, streams });
  await app.register(exportRoutes, deps);
  await app.register(fileRoutes, deps);
  await app.register(fileLinkRoutes, deps);
  await app.register(cacheRoutes, { db: deps.db, store: deps.cacheStore });
  await app.register(metricsRoutes, { db: deps.db, rescueAfterMs: deps.config.workerRescueAfterMs });
  // Dashboard: its API (figures, bulk actions, page events) and the static client at /dashboard.
  await app.register(sessionRoutes, deps);
  await app.register(statsRoutes, deps);
  await app.register(planRoutes, deps);
  await app.register(queueRoutes, deps);
  await app.register(workerRoutes, deps);
  await app.register(scheduleRoutes, deps);
  await app.register(jobBulkRoutes, deps);
  await app.register(eventRoutes, { ...deps, streams });
  await app.register(dashboardRoutes, { dir: deps.dashboardDir });
  return app;
}
