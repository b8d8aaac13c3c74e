import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { heartbeatIntervalMs, listWorkers, STALLED_AFTER_INTERVALS } from '../../../insights/workers.ts';
import { NextPageToken, PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';

const Count = Type.Integer({ minimum: 0 });

const Worker = Type.Object(
  {
    id: Type.String({ description: 'graphile-worker pool id: the locked_by of the jobs it runs' }),
    hostname: Type.String(),
    pid: Type.Integer(),
    concurrency: Type.Integer(),
    tenants: Type.Union([Type.Array(Type.String()), Type.Null()], { description: '--tenant filter' }),
    queues: Type.Union([Type.Array(Type.String()), Type.Null()], { description: '--queue filter' }),
    started_at: Type.String({ format: 'date-time' }),
    last_seen_at: Type.String({ format: 'date-time' }),
    heartbeat_age_ms: Type.Number({ minimum: 0 }),
    stalled: Type.Boolean({ description: 'the heartbeat is older than three heartbeat intervals' }),
    stats: Type.Object({ processed: Count, failed: Count, retried: Count, cancelled: Count, active: Count }),
  },
  { $id: 'Worker', title: 'Worker' },
);

const WorkerPage = Type.Object(
  {
    workers: Type.Array(Type.Ref('Worker')),
    heartbeat_interval_ms: Type.Integer({ minimum: 1 }),
    stalled_after_ms: Type.Integer({ minimum: 1 }),
    next_page_token: NextPageToken,
  },
  {
    examples: [
      {
        workers: [
          {
            id: 'worker-3f2a',
            hostname: 'app-1',
            pid: 4242,
            concurrency: 5,
            tenants: null,
            queues: null,
            started_at: '2026-11-23T19:00:00.000Z',
            last_seen_at: '2026-11-23T20:00:00.000Z',
            heartbeat_age_ms: 2100,
            stalled: false,
            stats: { processed: 1200, failed: 3, retried: 5, cancelled: 1, active: 2 },
          },
        ],
        heartbeat_interval_ms: 10000,
        stalled_after_ms: 30000,
        next_page_token: null,
      },
    ],
  },
);

/** GET /api/workers: the worker processes' heartbeats (admin). */
export const workerRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  app.addSchema(Worker);
  app.get(
    '/api/workers',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['workers'],
        operationId: 'listWorkers',
        summary: 'Worker processes with heartbeat age; stalled ones flagged (admin)',
        description:
          'A worker is stalled when its heartbeat is older than three heartbeat intervals; after ' +
          'WORKER_RESCUE_AFTER_MS without one it is declared dead and its jobs are released.',
        querystring: Type.Object(PageQuery),
        response: { 200: WorkerPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const size = request.query.page_size ?? 50;
      const after = app.pageTokens.decode(request, 'workers', request.query.page_token, 1)?.[0];
      const rows = await listWorkers(db, config.workerRescueAfterMs, size + 1, after);
      const { items, next_page_token } = app.pageTokens.page(request, 'workers', rows, size, (w) => [w.id]);
      const interval = heartbeatIntervalMs(config.workerRescueAfterMs);
      return {
        workers: items,
        heartbeat_interval_ms: interval,
        stalled_after_ms: interval * STALLED_AFTER_INTERVALS,
        next_page_token,
      };
    },
  );
};
