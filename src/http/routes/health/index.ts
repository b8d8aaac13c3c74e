import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type HealthSources, shared } from '../../../health.ts';

const DependencyState = Type.Union([
  Type.Literal('connected'),
  Type.Literal('disconnected'),
  Type.Literal('not_configured'),
]);

const HealthReport = Type.Object(
  {
    status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')], {
      description:
        'unhealthy (503): the database does not answer; degraded (200): it does, but the cache store does not',
    }),
    database: DependencyState,
    redis: DependencyState,
    cache: Type.Object({
      store: Type.Union([Type.Literal('postgres'), Type.Literal('redis')]),
      state: DependencyState,
    }),
    workers: Type.Object({
      tasks_processed: Type.Integer({ minimum: 0 }),
      tasks_failed: Type.Integer({ minimum: 0 }),
      active_workers: Type.Integer({ minimum: 0, description: 'worker slots whose job loop is progressing' }),
      stalled_workers: Type.Integer({
        minimum: 0,
        description: 'worker processes registered but not progressing (lost database, hung loop)',
      }),
    }),
  },
  {
    examples: [
      {
        status: 'healthy',
        database: 'connected',
        redis: 'not_configured',
        cache: { store: 'postgres', state: 'connected' },
        workers: { tasks_processed: 120, tasks_failed: 2, active_workers: 5, stalled_workers: 0 },
      },
    ],
  },
);

const Readiness = Type.Object({ status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]) });

/** How long one look at the dependencies answers every probe (public routes: see `shared`). */
const REUSE_MS = 250;

export const healthRoutes: FastifyPluginAsyncTypebox<{ health: HealthSources }> = async (app, { health }) => {
  const report = shared(REUSE_MS, async () => {
    const [database, redis, cache, workers] = await Promise.all([
      health.database(),
      health.redis(),
      health.cache(),
      health.workers(),
    ]);
    const healthy = database === 'connected';
    const status = !healthy ? 'unhealthy' : cache.state === 'disconnected' ? 'degraded' : 'healthy';
    return { healthy, body: { status, database, redis, cache, workers } as const };
  });
  const ready = shared(REUSE_MS, async () => (await health.database()) === 'connected');
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        operationId: 'getHealth',
        summary: 'Liveness with dependency and worker state',
        description:
          'Answers 503 when the database is unreachable. A cache store that does not answer makes it ' +
          'degraded (still 200: jobs run without it; cache routes answer 503 meanwhile). One look at ' +
          'the dependencies answers every probe for a quarter of a second.',
        security: [],
        response: { 200: HealthReport, 503: HealthReport },
      },
    },
    async (_request, reply) => {
      const { healthy, body } = await report();
      return reply.code(healthy ? 200 : 503).send(body);
    },
  );

  app.get(
    '/ready',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        operationId: 'getReady',
        summary: 'Readiness: 200 once the database answers',
        security: [],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const isReady = await ready();
      return reply.code(isReady ? 200 : 503).send({ status: isReady ? 'ready' : 'not_ready' });
    },
  );
};
