import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../../../db/database.ts';
import { problemResponses } from '../../problem.ts';
import { createMetricsRegistry } from './collect.ts';

export const metricsRoutes: FastifyPluginAsyncTypebox<{ db: Db; rescueAfterMs: number }> = async (
  app,
  options,
) => {
  const registry = createMetricsRegistry(options.db, options.rescueAfterMs, app.tenantSlots);
  app.get(
    '/metrics',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['health'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics of the cluster (admin key)',
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: Type.String() } },
          },
          ...problemResponses(401, 403),
        },
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
};
